"""Tenants (the ISV's customers and their Twilio subaccounts) and drift records. The Operation ledger lives
in `owlie_portal.operations`.

Models hold data, choices and constraints only: no network calls and no side effects in save().
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from owlie_portal.crypto import EncryptedTextField
from owlie_portal.validators import validate_account_sid


# Columns decrypted on load: defer them wherever a query does not use the secrets themselves.
SECRET_FIELDS = ("auth_token", "api_key_secret")


def _new_provision_key() -> str:
    return uuid.uuid4().hex[:12]


class Tenant(models.Model):
    class Status(models.TextChoices):
        PROVISIONING = "provisioning", "Provisioning"
        ACTIVE = "active", "Active"
        SUSPENDED = "suspended", "Suspended"
        CLOSED = "closed", "Closed"
        FAILED = "failed", "Failed"

    class SuspensionReason(models.TextChoices):
        NON_PAYMENT = "non_payment", "Non-payment"
        COMPLIANCE = "compliance", "Compliance"
        CUSTOMER_REQUEST = "customer_request", "Customer request"
        FRAUD = "fraud", "Fraud"
        OTHER = "other", "Other"
        SPEND_CAP = "spend_cap", "Spend cap"

    name = models.CharField("customer name", max_length=200)
    external_ref = models.CharField(
        "external reference", max_length=100, unique=True, help_text="The ISV's own customer id."
    )
    subaccount_sid = models.CharField(
        "subaccount SID", max_length=34, unique=True, null=True, blank=True, validators=[validate_account_sid]
    )
    # Twilio FriendlyName: carries provision_key so a retried create can find what an earlier try made.
    provision_key = models.CharField(max_length=12, unique=True, default=_new_provision_key, editable=False)
    friendly_name = models.CharField(max_length=64, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PROVISIONING, db_index=True)
    auth_token = EncryptedTextField(blank=True, default="")
    api_key_sid = models.CharField("API key SID", max_length=34, blank=True)
    api_key_secret = EncryptedTextField(blank=True, default="")
    account_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="managed_tenants"
    )
    suspension_reason = models.CharField(max_length=30, choices=SuspensionReason.choices, blank=True)
    suspension_note = models.TextField(blank=True)
    last_synced_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        permissions = [
            ("suspend_tenant", "Can suspend a tenant's subaccount"),
            ("reactivate_tenant", "Can reactivate a tenant's subaccount"),
            ("close_tenant", "Can close a tenant's subaccount"),
            ("sync_tenant", "Can sync tenants from Twilio"),
            ("import_tenants", "Can import subaccounts from Twilio as tenants"),
            ("assign_account_manager", "Can assign account managers to tenants"),
            ("view_billing", "Can view billing"),
        ]

    def __str__(self) -> str:
        return self.name

    def twilio_friendly_name(self) -> str:
        """Name sent to Twilio: readable, at most 64 characters, unique through provision_key."""
        suffix = f" [owlie-{self.provision_key}]"
        return self.name[: 64 - len(suffix)] + suffix


class TenantDrift(models.Model):
    """A difference between the portal and Twilio, seen by sync and kept until someone resolves it."""

    class Kind(models.TextChoices):
        STATUS_CHANGED = "status_changed", "Status changed at Twilio"
        CLOSED_ELSEWHERE = "closed_elsewhere", "Subaccount closed outside the portal"
        UNKNOWN_SUBACCOUNT = "unknown_subaccount", "Subaccount unknown to the portal"
        MISSING_AT_TWILIO = "missing_at_twilio", "Subaccount missing at Twilio"

    tenant = models.ForeignKey(Tenant, null=True, blank=True, on_delete=models.CASCADE, related_name="drifts")
    subaccount_sid = models.CharField(max_length=34, db_index=True)
    kind = models.CharField(max_length=30, choices=Kind.choices)
    portal_value = models.CharField(max_length=200, blank=True)
    twilio_value = models.CharField(max_length=200, blank=True)
    detail = models.TextField(blank=True)
    detected_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField(auto_now=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        ordering = ["-detected_at"]
        constraints = [
            # One open record per subaccount and kind: repeated syncs refresh it instead of piling up.
            models.UniqueConstraint(
                fields=["subaccount_sid", "kind"], condition=Q(resolved_at__isnull=True), name="one_open_drift"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.portal_value or '—'} → {self.twilio_value or '—'}"
