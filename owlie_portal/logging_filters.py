"""Logging filters: what the portal already handled is one line, not a traceback.

- A refused request (403) is logged by Django with the PermissionDenied traceback; one line says it all.
- A Twilio failure the worker recorded on its Operation (and logged with the Operation id and Twilio's
  code) is logged again by Celery as "raised unexpected" with a traceback; that record is dropped.
"""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied

from owlie_portal.twilio_gateway.errors import TwilioError


def _exception(record: logging.LogRecord):
    return record.exc_info[1] if record.exc_info else None


class RefusedRequestOneLine(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(_exception(record), PermissionDenied):
            record.exc_info, record.exc_text = None, None
        return True


class HandledTaskFailureDropped(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        from owlie_portal.operations.services import OperationInterrupted

        exc = _exception(record)
        cause = getattr(exc, "exc", None)  # celery.exceptions.Reject / Retry wrap the real error
        return not any(isinstance(e, (TwilioError, OperationInterrupted)) for e in (exc, cause))
