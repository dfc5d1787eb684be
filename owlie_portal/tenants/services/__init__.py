"""Tenant services: the only code that changes tenants. Keyword-only `<noun>_<verb>` functions."""

from .lifecycle import (
    batch_retry_status_change,
    tenant_create,
    tenant_request_status_change,
    tenant_retry_provisioning,
    tenants_assign_account_manager,
    tenants_bulk_status_change,
    tenants_check_status_change,
)
from .provisioning import operation_run_provision, provisioning_failed
from .requests import operation_run_import, operation_run_sync, tenants_import_request, tenants_sync_request
from .status import operation_run_status_change
from .sync import SyncReport, drift_resolve, drifts_resolve, tenants_import_from_twilio, tenants_sync_from_twilio

__all__ = [
    "batch_retry_status_change",
    "tenant_create",
    "tenant_request_status_change",
    "tenant_retry_provisioning",
    "tenants_assign_account_manager",
    "tenants_bulk_status_change",
    "tenants_check_status_change",
    "operation_run_provision",
    "provisioning_failed",
    "operation_run_import",
    "operation_run_sync",
    "tenants_import_request",
    "tenants_sync_request",
    "operation_run_status_change",
    "SyncReport",
    "tenants_import_from_twilio",
    "tenants_sync_from_twilio",
    "drift_resolve",
    "drifts_resolve",
]
