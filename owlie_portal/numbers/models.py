"""Phone numbers the parent and its subaccounts hold at Twilio (inventory, filled by sync and purchases)."""

from django.db import models

from owlie_portal.validators import validate_number_sid


class PhoneNumber(models.Model):
    sid = models.CharField("number SID", max_length=34, unique=True, validators=[validate_number_sid])
    phone_number = models.CharField(max_length=20, unique=True, help_text="E.164, e.g. +14155550100")
    friendly_name = models.CharField(max_length=64, blank=True)
    # Null tenant: the number belongs to the parent account.
    tenant = models.ForeignKey(
        "tenants.Tenant", null=True, blank=True, on_delete=models.PROTECT, related_name="phone_numbers"
    )
    sms_capable = models.BooleanField(default=True)
    mms_capable = models.BooleanField(default=False)
    voice_capable = models.BooleanField(default=True)
    sms_url = models.URLField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["phone_number"]
        permissions = [
            ("buy_number", "Can buy a phone number"),
            ("transfer_number", "Can move a phone number between accounts"),
            ("release_number", "Can release a phone number"),
        ]

    def __str__(self) -> str:
        return self.phone_number
