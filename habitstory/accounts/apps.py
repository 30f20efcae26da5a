from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "habitstory.accounts"
    label = "accounts"
    verbose_name = "Accounts"
