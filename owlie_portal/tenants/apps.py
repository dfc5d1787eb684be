from django.apps import AppConfig
from django.urls import reverse


def _batch_tenants_url(batch) -> str:
    return f"{reverse('admin:tenants_tenant_changelist')}?batch={batch.pk}"


class TenantsConfig(AppConfig):
    name = "owlie_portal.tenants"
    verbose_name = "Customers"

    def ready(self) -> None:
        from owlie_portal.operations.registry import register_kind

        from . import services
        from .kinds import STATUS_KINDS, Kind
        from .rules import PERMISSION

        register_kind(Kind.SUBACCOUNT_CREATE, task="tenants.provision_subaccount", label=Kind.SUBACCOUNT_CREATE.label,
                      on_failed=services.provisioning_failed)
        for kind in STATUS_KINDS:
            register_kind(kind, task="tenants.set_subaccount_status", label=Kind(kind).label,
                          retry=services.batch_retry_status_change, retry_permission=PERMISSION[kind],
                          selection_url=_batch_tenants_url, selection_label="Select these tenants")
        register_kind(Kind.SYNC, task="tenants.sync_requested", label=Kind.SYNC.label)
        register_kind(Kind.IMPORT, task="tenants.import_requested", label=Kind.IMPORT.label)
