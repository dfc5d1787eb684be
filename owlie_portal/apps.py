from django.apps import AppConfig


class OwliePortalConfig(AppConfig):
    name = "owlie_portal"
    verbose_name = "Owlie Portal"
