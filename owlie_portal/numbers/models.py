"""Phone numbers the parent and its subaccounts hold at Twilio (inventory, filled by sync and purchases)."""

from django.conf import settings
from django.db import models

from owlie_portal.validators import validate_e164, validate_number_sid


class PhoneNumber(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        MOVING = "moving", "Being moved"
        RELEASED = "released", "Released"

    class AddressRequirements(models.TextChoices):
        NONE = "none", "None"
        ANY = "any", "Any address"
        LOCAL = "local", "Local address"
        FOREIGN = "foreign", "Foreign address"

    sid = models.CharField("number SID", max_length=34, unique=True, validators=[validate_number_sid])
    phone_number = models.CharField(max_length=20, unique=True, validators=[validate_e164],
                                    help_text="E.164, e.g. +14155550100")
    friendly_name = models.CharField(max_length=64, blank=True)
    # Null tenant: the number belongs to the parent account.
    tenant = models.ForeignKey(
        "tenants.Tenant", null=True, blank=True, on_delete=models.PROTECT, related_name="phone_numbers"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACTIVE, db_index=True)
    sms_capable = models.BooleanField(default=True)
    mms_capable = models.BooleanField(default=False)
    voice_capable = models.BooleanField(default=True)
    sms_url = models.URLField(blank=True)
    sms_method = models.CharField(max_length=4, blank=True, default="POST")
    voice_url = models.URLField(blank=True)
    voice_method = models.CharField(max_length=4, blank=True, default="POST")
    status_callback = models.URLField("status callback URL", blank=True)
    address_requirements = models.CharField(max_length=10, choices=AddressRequirements.choices,
                                            default=AddressRequirements.NONE)
    # The Messaging Service (of the owning account) the number is a sender of, if any.
    messaging_service = models.ForeignKey("messaging.MessagingService", null=True, blank=True,
                                          on_delete=models.SET_NULL, related_name="phone_numbers")
    last_synced_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["phone_number"]
        permissions = [
            ("buy_number", "Can buy a phone number"),
            ("transfer_number", "Can move a phone number between accounts"),
            ("release_number", "Can release a phone number"),
        ]
        indexes = [models.Index(fields=["tenant", "phone_number"], name="numbers_tenant_number_idx")]

    def __str__(self) -> str:
        return self.phone_number


class NumberDrift(models.Model):
    """A difference between the portal's inventory and Twilio, seen by sync and kept until someone resolves it.

    Sync never overwrites what the portal believes (owner, URLs): it records the difference here."""

    class Kind(models.TextChoices):
        APPEARED = "appeared", "Appeared at Twilio"
        VANISHED = "vanished", "Vanished at Twilio"
        OWNER_CHANGED = "owner_changed", "Owner changed at Twilio"
        URLS_CHANGED = "urls_changed", "URLs changed at Twilio"

    number_sid = models.CharField("number SID", max_length=34, db_index=True)
    phone_number = models.CharField(max_length=20, blank=True)
    number = models.ForeignKey(PhoneNumber, null=True, blank=True, on_delete=models.SET_NULL, related_name="drifts")
    # The owner the portal had when the difference was seen (null: the parent account).
    tenant = models.ForeignKey("tenants.Tenant", null=True, blank=True, on_delete=models.CASCADE,
                               related_name="number_drifts")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    portal_value = models.CharField(max_length=500, blank=True)
    twilio_value = models.CharField(max_length=500, blank=True)
    detail = models.TextField(blank=True)
    detected_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField(auto_now=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")

    class Meta:
        ordering = ["-detected_at"]
        constraints = [
            # One open record per number and kind: repeated syncs refresh it instead of piling up.
            models.UniqueConstraint(fields=["number_sid", "kind"], condition=models.Q(resolved_at__isnull=True),
                                    name="one_open_number_drift"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.phone_number or self.number_sid}"
