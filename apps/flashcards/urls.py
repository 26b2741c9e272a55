from django.urls import path

from apps.flashcards import views

app_name = "flashcards"

urlpatterns = [
    path("flashcards/", views.decks, name="decks"),
    path("flashcards/settings/", views.settings_update, name="settings"),
    path("flashcards/deck/add/", views.deck_add, name="deck-add"),
    path("flashcards/deck/remove/", views.deck_remove, name="deck-remove"),
    path("flashcards/review/", views.review, name="review"),
    path("flashcards/review/answer/", views.review_answer, name="answer"),
    path("flashcards/review/undo/", views.review_undo, name="undo"),
    path("flashcards/statistics/", views.statistics, name="statistics"),
    path("flashcards/cards/", views.card_browser, name="cards"),
    path("flashcards/cards/<int:pk>/", views.card_detail, name="card"),
    path("flashcards/cards/<int:pk>/suspend/", views.card_suspend, name="card-suspend"),
    path("flashcards/cards/<int:pk>/reset/", views.card_reset, name="card-reset"),
    path("glossary/", views.glossary, name="glossary"),
    path("glossary/<slug:guide_slug>/<str:anchor>/", views.term, name="term"),
]
