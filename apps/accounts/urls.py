from django.urls import path

from apps.accounts import views

app_name = "accounts"

urlpatterns = [
    path("", views.profile, name="profile"),
    path("export.json", views.export_json, name="export-json"),
    path("delete/", views.delete, name="delete"),
]
