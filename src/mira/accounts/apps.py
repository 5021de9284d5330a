from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "mira.accounts"
    verbose_name = "Firms and users"
