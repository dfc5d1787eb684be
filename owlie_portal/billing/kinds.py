"""The Operation kinds billing registers (apps.py)."""

from django.db import models


class Kind(models.TextChoices):
    USAGE_SYNC = "usage.sync", "Sync usage from Twilio"
