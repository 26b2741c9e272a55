from django.urls import path

from apps.notes import views

app_name = "notes"

urlpatterns = [
    path("notes/", views.note_list, name="list"),
    path("notes/new/", views.note_create, name="create"),
    path("notes/<int:pk>/edit/", views.note_edit, name="edit"),
    path("notes/<int:pk>/delete/", views.note_delete, name="delete"),
]
