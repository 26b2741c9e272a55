from django.urls import path

from apps.sources import views

app_name = "sources"

urlpatterns = [
    path("sources/<slug:name>/webhook/", views.webhook, name="webhook"),
]
