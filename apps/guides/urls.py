from django.urls import path

from apps.guides import views

app_name = "guides"

urlpatterns = [
    path("", views.home, name="home"),
    path("guides/<slug:slug>/", views.guide_detail, name="guide"),
]
