from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "owlie_portal.billing"
    verbose_name = "Billing"

    def ready(self) -> None:
        from owlie_portal.operations.registry import register_kind

        from .kinds import Kind

        register_kind(Kind.USAGE_SYNC, task="billing.sync_usage", label=Kind.USAGE_SYNC.label,
                      retry_permission="tenants.view_billing")
