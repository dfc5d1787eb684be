"""The Operation kinds tenants registers (apps.py), with their labels."""

from django.db import models


class Kind(models.TextChoices):
    SUBACCOUNT_CREATE = "subaccount.create", "Create subaccount"
    SUBACCOUNT_SUSPEND = "subaccount.suspend", "Suspend subaccount"
    SUBACCOUNT_REACTIVATE = "subaccount.reactivate", "Reactivate subaccount"
    SUBACCOUNT_CLOSE = "subaccount.close", "Close subaccount"
    SYNC = "subaccounts.sync", "Sync subaccounts from Twilio"
    IMPORT = "subaccounts.import", "Import subaccounts from Twilio"


STATUS_KINDS = (Kind.SUBACCOUNT_SUSPEND, Kind.SUBACCOUNT_REACTIVATE, Kind.SUBACCOUNT_CLOSE)
