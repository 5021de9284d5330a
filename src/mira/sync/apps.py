from django.apps import AppConfig


class SyncConfig(AppConfig):
    name = "mira.sync"
    verbose_name = "Records mirrored from Clio"
