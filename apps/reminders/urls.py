from django.urls import path

from apps.reminders import views

app_name = "reminders"

urlpatterns = [
    path("reminders/", views.preferences, name="preferences"),
    path("reminders/pause/", views.pause, name="pause"),
    path("reminders/resume/", views.resume, name="resume"),
    path("reminders/preview/", views.preview, name="preview"),
    path("reminders/unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
