from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "krm.accounts"
    verbose_name = "Organisation und Benutzer"
