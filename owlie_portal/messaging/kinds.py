"""The Operation kinds messaging registers (apps.py)."""

from django.db import models


class Kind(models.TextChoices):
    SERVICE_CREATE = "messaging.service_create", "Create Messaging Service"
    SERVICE_ADD_NUMBER = "messaging.service_add_number", "Add number to Messaging Service"
    SERVICE_REMOVE_NUMBER = "messaging.service_remove_number", "Remove number from Messaging Service"
    SERVICES_SYNC = "messaging.services_sync", "Sync Messaging Services from Twilio"
    MESSAGE_SEND = "messaging.message_send", "Send message"
