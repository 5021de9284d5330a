from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "mira.api"
    verbose_name = "JSON API"
