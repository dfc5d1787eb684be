from django.apps import AppConfig


class OperationsConfig(AppConfig):
    name = "owlie_portal.operations"
    verbose_name = "Operations"
