from django.apps import AppConfig


class GuidesConfig(AppConfig):
    name = "apps.guides"
    label = "guides"
    verbose_name = "Guide library"
