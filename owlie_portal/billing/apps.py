from django.apps import AppConfig
from django.urls import reverse


class BillingConfig(AppConfig):
    name = "owlie_portal.billing"
    verbose_name = "Billing"

    def ready(self) -> None:
        from owlie_portal.operations.registry import register_kind

        from .kinds import Kind

        register_kind(Kind.USAGE_SYNC, task="billing.sync_usage", label=Kind.USAGE_SYNC.label,
                      retry_permission="tenants.view_billing",
                      selection_url=lambda batch: reverse("admin:billing_overview"), selection_label="See the usage")
