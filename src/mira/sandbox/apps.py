from django.apps import AppConfig


class SandboxConfig(AppConfig):
    name = "mira.sandbox"
    verbose_name = "Clio sandbox"
