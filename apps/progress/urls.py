from django.urls import path

from apps.progress import views

app_name = "progress"

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("progress/items/<int:item_id>/", views.task_set, name="task-set"),
    path("progress/sections/<int:section_id>/", views.section_set, name="section-set"),
    path("progress/streak/", views.streak_set, name="streak-set"),
]
