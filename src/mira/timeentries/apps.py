from django.apps import AppConfig


class TimeEntriesConfig(AppConfig):
    name = "mira.timeentries"
    verbose_name = "Time entries"
