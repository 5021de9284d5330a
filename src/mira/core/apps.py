from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "mira.core"
    verbose_name = "MIRA core"
