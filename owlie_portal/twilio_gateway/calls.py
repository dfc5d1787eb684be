"""Run one SDK call and turn whatever it raises into the gateway's error family."""

from __future__ import annotations

import json
import logging
from typing import Callable, TypeVar

from twilio.base.exceptions import TwilioException, TwilioRestException

from .errors import TwilioAmbiguousError, TwilioError, TwilioPermanentError, TwilioTransientError
from .transport import AnswerLost, NoAnswer, NotSent

logger = logging.getLogger(__name__)
T = TypeVar("T")


def _classify(status: int, code: int | None, message: str, *, idempotent: bool) -> TwilioError:
    if status == 429 or code == 20429:
        return TwilioTransientError(message, code=code or 20429, status=status)
    if status >= 500:
        kind = TwilioTransientError if idempotent else TwilioAmbiguousError
        return kind(message, code=code, status=status)
    return TwilioPermanentError(message, code=code, status=status)


def _from_page_failure(exc: TwilioException, *, idempotent: bool) -> TwilioError:
    # A failed *list* raises the base TwilioException("Unable to fetch page", response) (docs/twilio-behaviour.md §2).
    response = exc.args[1] if len(exc.args) > 1 else None
    if response is None:
        return TwilioPermanentError(str(exc.args[0]) if exc.args else "Twilio list failed")
    try:
        body = json.loads(response.text)
    except (TypeError, ValueError):
        body = {}
    code = body.get("code") if isinstance(body, dict) else None
    message = (body.get("message") if isinstance(body, dict) else None) or "Unable to fetch page"
    return _classify(response.status_code, code, message, idempotent=idempotent)


def twilio_call(fn: Callable[[], T], *, idempotent: bool, what: str) -> T:
    """Call `fn` (one Twilio request); `idempotent` says whether repeating it is harmless."""
    try:
        return fn()
    except TwilioRestException as exc:
        message = exc.msg.split(": ", 1)[-1] if exc.msg else str(exc)
        error = _classify(exc.status, exc.code, message, idempotent=idempotent)
    except TwilioException as exc:
        error = _from_page_failure(exc, idempotent=idempotent)
    except NotSent:
        error = TwilioTransientError(f"Could not connect to Twilio while trying to {what}.")
    except NoAnswer:
        kind = TwilioTransientError if idempotent else TwilioAmbiguousError
        error = kind(f"Twilio did not answer in time while trying to {what}.")
    except AnswerLost:
        # Sent, and the connection dropped before or in the middle of the answer: applied or not, unknown.
        if idempotent:
            error = TwilioTransientError(f"The connection to Twilio dropped while trying to {what}.")
        else:
            error = TwilioAmbiguousError(f"The connection dropped while trying to {what}; it may have happened.")
    logger.info("twilio call failed: %s (%s, code=%s, status=%s)", what, error.kind, error.code, error.status)
    raise error
