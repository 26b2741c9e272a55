from django.urls import path

from apps.progress import views

app_name = "progress"

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("progress/items/<int:item_id>/", views.task_set, name="task-set"),
    path("progress/sections/<int:section_id>/", views.section_set, name="section-set"),
    path("progress/streak/", views.streak_set, name="streak-set"),
    path("progress/export.json", views.export_json, name="export-json"),
    path("progress/export.md", views.export_markdown, name="export-markdown"),
    path("progress/import/", views.import_markdown, name="import-markdown"),
    path("progress/share/", views.share_set, name="share-set"),
    path("shared/<str:token>/", views.shared, name="shared"),
]
