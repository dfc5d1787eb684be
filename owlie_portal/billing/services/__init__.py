"""Billing services: the only code that writes usage records and billing settings."""

from .caps import spend_check
from .profiles import billing_profile_update
from .requests import operation_run_usage_sync, usage_sync_request
from .sync import UsageSyncReport, usage_sync, usage_sync_tenant_ids

__all__ = ["spend_check", "billing_profile_update", "operation_run_usage_sync", "usage_sync_request",
           "UsageSyncReport", "usage_sync", "usage_sync_tenant_ids"]
