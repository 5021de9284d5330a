from django.apps import AppConfig


class DestinationsConfig(AppConfig):
    name = "mira.destinations"
    verbose_name = "Destinations (Clio connections)"
