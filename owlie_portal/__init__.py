"""Owlie Portal: the operations console for an ISV reselling Twilio through subaccounts."""

from .celery import app as celery_app

__all__ = ["celery_app"]
