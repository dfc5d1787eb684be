"""Helpers of the messaging tests: perform an Operation's work in the test thread; post webhooks signed
exactly as the sandbox (and Twilio) sign them."""

from __future__ import annotations

from django.conf import settings

from owlie_portal.operations.models import Operation
from twilio_sandbox.delivery import sign


def run(operation: Operation, work) -> Operation:
    """Perform an Operation's work in this thread (what its task does), then reload it."""
    try:
        work(operation_id=operation.pk)
    except Exception:
        pass  # a transient/ambiguous error re-raises for Celery's retry; the row says what happened
    operation.refresh_from_db()
    return operation



def post_signed(client, name: str, params: dict, token: str, *, signature: str | None = None):
    """POST a webhook to the portal signed for TWILIO_WEBHOOK_BASE_URL + path, as Twilio would."""
    path = f"/twilio/{name}/"
    signature = signature if signature is not None else sign(settings.TWILIO_WEBHOOK_BASE_URL + path, params, token)
    return client.post(path, params, HTTP_X_TWILIO_SIGNATURE=signature)
