"""The Operation ledger's tables: Batch (one bulk request) and Operation (one intended Twilio change).

Models hold data and constraints only. `kind` has no choices here: each app registers its kinds in
`AppConfig.ready()` (see `registry`), so a new kind needs no migration of this app.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Batch(models.Model):
    """One bulk action: who asked for what over how many objects. Progress is counted from its Operations."""

    kind = models.CharField(max_length=40)
    description = models.CharField(max_length=200)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    total = models.PositiveIntegerField(default=0)
    refused = models.PositiveIntegerField(default=0, help_text="Objects refused before any Twilio call.")
    refused_detail = models.TextField(blank=True)
    params = models.JSONField(default=dict, blank=True)
    # Null until the message that sends the batch's Operations reached the broker.
    dispatched_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "batches"

    def __str__(self) -> str:
        return f"{self.description} ({self.total})"

    @property
    def kind_label(self) -> str:
        from .registry import kind_label

        return kind_label(self.kind)


class Operation(models.Model):
    """One intended Twilio change, written in the transaction that enqueues its task. Never deleted."""

    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"
        UNKNOWN = "unknown", "Unknown (reconciling)"

    FINAL_STATES = (State.SUCCEEDED, State.FAILED)
    OPEN_STATES = (State.QUEUED, State.RUNNING, State.UNKNOWN)

    kind = models.CharField(max_length=40, db_index=True)
    state = models.CharField(max_length=20, choices=State.choices, default=State.QUEUED, db_index=True)
    tenant = models.ForeignKey("tenants.Tenant", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="operations")
    target_sid = models.CharField(max_length=34, blank=True, help_text="The Twilio object acted on.")
    params = models.JSONField(default=dict, blank=True)
    result = models.JSONField(default=dict, blank=True, help_text="What came of it (counts, SIDs).")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    batch = models.ForeignKey(Batch, null=True, blank=True, on_delete=models.PROTECT, related_name="operations")
    # A step of another Operation (a number moved inside a close): it runs under its parent's claim and the
    # sweeper never re-drives it on its own; the parent's next attempt settles it.
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="steps")
    # The claim: each claim increments it, and every write that ends or releases a claim is conditional on it.
    attempts = models.PositiveIntegerField(default=0)
    error_code = models.IntegerField("Twilio error code", null=True, blank=True, db_index=True)
    error_message = models.TextField(blank=True)
    result_sid = models.CharField(max_length=34, blank=True)
    task_id = models.CharField(max_length=64, blank=True)
    # Null until the task message reached the broker; the sweeper sends rows the broker never got.
    dispatched_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["batch", "state"], name="operations_batch_state_idx"),
            models.Index(fields=["state", "updated_at"], name="operations_state_updated_idx"),
            models.Index(fields=["tenant", "-created_at"], name="operations_tenant_created_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind_label} #{self.pk} ({self.state})"

    @property
    def is_final(self) -> bool:
        return self.state in self.FINAL_STATES

    @property
    def kind_label(self) -> str:
        from .registry import kind_label

        return kind_label(self.kind)
