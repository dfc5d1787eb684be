from django.apps import AppConfig


class NumbersConfig(AppConfig):
    name = "owlie_portal.numbers"
    verbose_name = "Phone numbers"
