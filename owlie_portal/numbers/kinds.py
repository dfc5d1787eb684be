"""The Operation kinds numbers registers (apps.py)."""

from django.db import models


class Kind(models.TextChoices):
    TRANSFER = "number.transfer", "Move phone number"
