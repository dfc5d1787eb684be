from django.apps import AppConfig


class TenantsConfig(AppConfig):
    name = "owlie_portal.tenants"
    verbose_name = "Tenants and operations"
