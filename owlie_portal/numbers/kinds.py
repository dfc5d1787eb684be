"""The Operation kinds numbers registers (apps.py)."""

from django.db import models


class Kind(models.TextChoices):
    TRANSFER = "number.transfer", "Move phone number"
    # --- inventory, buy, release -------------------------------------------------------------------
    BUY = "number.buy", "Buy phone number"
    RELEASE = "number.release", "Release phone number"
    SYNC = "numbers.sync", "Sync phone numbers from Twilio"
