"""Messaging Services in tenants' subaccounts, the messages sent and received through them, and the
portal's own opt-out ledger (Twilio keeps opt-outs per sender inside one account; the portal's follow numbers).
"""

from django.conf import settings
from django.db import models

from owlie_portal.validators import validate_service_sid


class MessagingService(models.Model):
    sid = models.CharField("service SID", max_length=34, unique=True, validators=[validate_service_sid])
    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.PROTECT, related_name="messaging_services")
    friendly_name = models.CharField(max_length=64)
    # The tenant's default service: where "add to the target's service" puts a number moved in.
    is_default = models.BooleanField(default=False)
    inbound_request_url = models.URLField(blank=True)
    status_callback = models.URLField("status callback URL", blank=True)
    sticky_sender = models.BooleanField(default=True, help_text="A recipient keeps hearing from the same number.")
    area_code_geomatch = models.BooleanField(default=True, help_text="Prefer a sender with the recipient's area code.")
    smart_encoding = models.BooleanField(default=True, help_text="Replace look-alike Unicode so messages cost fewer segments.")
    validity_period = models.PositiveIntegerField(default=36000, help_text="Seconds a message may wait in Twilio's queue (1–36,000).")
    last_synced_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["friendly_name"]
        constraints = [models.UniqueConstraint(fields=["tenant"], condition=models.Q(is_default=True),
                                               name="one_default_service_per_tenant")]
        permissions = [
            ("send_message", "Can send a test message"),
            ("manage_service", "Can create services and change their numbers"),
        ]

    def __str__(self) -> str:
        return self.friendly_name


class ServiceDrift(models.Model):
    """A difference between the portal's record of a service and what Twilio shows, found by a sync."""

    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="service_drifts")
    service_sid = models.CharField(max_length=34)
    field = models.CharField(max_length=40)
    portal_value = models.CharField(max_length=300, blank=True)
    twilio_value = models.CharField(max_length=300, blank=True)
    detected_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-detected_at"]

    def __str__(self) -> str:
        return f"{self.service_sid} {self.field}"


class Message(models.Model):
    class Direction(models.TextChoices):
        OUTBOUND = "outbound", "Sent"
        INBOUND = "inbound", "Received"

    class Status(models.TextChoices):
        REQUESTED = "requested", "Requested (not yet at Twilio)"
        SUPPRESSED = "suppressed", "Suppressed by the portal (opted out)"
        QUEUED = "queued", "Queued"
        ACCEPTED = "accepted", "Accepted"
        SCHEDULED = "scheduled", "Scheduled"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        DELIVERED = "delivered", "Delivered"
        UNDELIVERED = "undelivered", "Undelivered"
        FAILED = "failed", "Failed"
        CANCELED = "canceled", "Canceled"
        RECEIVED = "received", "Received"

    # Null until Twilio gave the message a SID (never, for a suppressed or refused send).
    sid = models.CharField("message SID", max_length=34, null=True, blank=True)
    direction = models.CharField(max_length=10, choices=Direction.choices, default=Direction.OUTBOUND)
    tenant = models.ForeignKey("tenants.Tenant", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="messages")
    service = models.ForeignKey(MessagingService, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="messages")
    operation = models.ForeignKey("operations.Operation", null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    from_number = models.CharField("from", max_length=34, blank=True)
    to_number = models.CharField("to", max_length=34)
    # Outbound: the text support staff typed. Inbound: the keyword only; other text from end users is
    # personal data the portal does not need, so it is stored as REDACTED.
    body = models.TextField(blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.REQUESTED)
    error_code = models.IntegerField(null=True, blank=True)
    error_message = models.TextField(blank=True)
    num_segments = models.PositiveIntegerField(null=True, blank=True)
    price = models.CharField(max_length=20, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    status_updated_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    REDACTED = "[not stored: free text from the recipient]"

    class Meta:
        ordering = ["-created_at", "-id"]
        # Indexes and the unique SID declared here, not with db_index / unique=True on the fields: on
        # PostgreSQL those add a second, LIKE-only index per text column that no query of the portal uses,
        # and every webhook's write paid for it (benchmarks/webhooks.py).
        indexes = [models.Index(fields=["to_number"], name="message_to_number_idx"),
                   models.Index(fields=["status"], name="message_status_idx")]
        constraints = [models.UniqueConstraint(fields=["sid"], name="one_message_per_sid")]

    def __str__(self) -> str:
        return self.sid or f"message #{self.pk}"


class StatusCallback(models.Model):
    """One status callback as received; unique on (MessageSid, MessageStatus), so a replay adds nothing."""

    message_sid = models.CharField(max_length=34)
    status = models.CharField(max_length=20)
    error_code = models.IntegerField(null=True, blank=True)
    account_sid = models.CharField(max_length=34)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["message_sid", "status"], name="one_callback_per_status")]


class OptOut(models.Model):
    """The current opt-out state of one recipient for one tenant (null: the parent account) and number.

    `phone_number` is the sender it was received on, kept as text: when that number moves to another
    tenant, the entry still suppresses sends from it (see selectors.optout_blocking)."""

    class Source(models.TextChoices):
        INBOUND = "inbound", "Reply from the recipient"
        TWILIO = "twilio_21610", "Twilio refused a send (21610)"
        IMPORT = "import", "Imported from CSV"

    tenant = models.ForeignKey("tenants.Tenant", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="optouts")
    recipient = models.CharField(max_length=20)
    phone_number = models.CharField("received on", max_length=20, blank=True)
    service = models.ForeignKey(MessagingService, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    opted_out = models.BooleanField(default=True, db_index=True)
    keyword = models.CharField(max_length=20, blank=True)
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.INBOUND)
    message_sid = models.CharField("inbound message SID", max_length=34, blank=True)
    opted_out_at = models.DateTimeField(null=True, blank=True)
    opted_in_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at"]
        verbose_name = "opt-out"
        indexes = [models.Index(fields=["recipient"], name="optout_recipient_idx"),  # see Message.Meta
                   models.Index(fields=["phone_number"], name="optout_phone_number_idx")]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "recipient", "phone_number"],
                                    condition=models.Q(tenant__isnull=False), name="one_optout_per_tenant_number"),
            models.UniqueConstraint(fields=["recipient", "phone_number"],
                                    condition=models.Q(tenant__isnull=True), name="one_optout_per_parent_number"),
        ]

    def __str__(self) -> str:
        return f"{self.recipient} ({'opted out' if self.opted_out else 'opted in'})"


class OptOutEvent(models.Model):
    """History of the ledger: every opt-out, opt-in and HELP, never changed. Unique on the inbound
    MessageSid, which makes a replayed webhook a no-op."""

    class Action(models.TextChoices):
        OPT_OUT = "opt_out", "Opted out"
        OPT_IN = "opt_in", "Opted back in"
        HELP = "help", "Asked for help"

    tenant = models.ForeignKey("tenants.Tenant", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    recipient = models.CharField(max_length=20)
    phone_number = models.CharField("received on", max_length=20, blank=True)
    service_sid = models.CharField(max_length=34, blank=True)
    action = models.CharField(max_length=10, choices=Action.choices)
    keyword = models.CharField(max_length=20, blank=True)
    source = models.CharField(max_length=20, choices=OptOut.Source.choices)
    message_sid = models.CharField(max_length=34, null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "opt-out history entry"
        verbose_name_plural = "opt-out history"
        indexes = [models.Index(fields=["recipient"], name="optoutevent_recipient_idx")]  # see Message.Meta
        constraints = [models.UniqueConstraint(fields=["message_sid"], name="one_event_per_message_sid")]
