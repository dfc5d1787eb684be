"""Tenant services: the only code that changes tenants. Keyword-only `<noun>_<verb>` functions."""

from .lifecycle import (
    tenant_create,
    tenant_request_status_change,
    tenant_retry_provisioning,
    tenants_assign_account_manager,
    tenants_bulk_status_change,
    tenants_check_status_change,
    batch_retry_failed,
)
from .provisioning import operation_run_provision
from .status import operation_run_status_change
from .sync import SyncReport, drift_resolve, drifts_resolve, tenants_import_from_twilio, tenants_sync_from_twilio

__all__ = [
    "tenant_create",
    "tenant_request_status_change",
    "tenant_retry_provisioning",
    "tenants_assign_account_manager",
    "tenants_bulk_status_change",
    "tenants_check_status_change",
    "batch_retry_failed",
    "operation_run_provision",
    "operation_run_status_change",
    "SyncReport",
    "tenants_import_from_twilio",
    "tenants_sync_from_twilio",
    "drift_resolve",
    "drifts_resolve",
]
