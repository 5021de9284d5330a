from django.apps import AppConfig


class ActivationConfig(AppConfig):
    name = "mira.activation"
    verbose_name = "Go-live and Customer Success"
