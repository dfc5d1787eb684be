"""Validators for Twilio identifiers: a SID is two uppercase letters plus 32 hex characters (docs/twilio-behaviour.md §3)."""

import re

from django.core.exceptions import ValidationError


def validate_sid(value: str, prefix: str) -> None:
    if not re.fullmatch(rf"{prefix}[0-9a-f]{{32}}", value or ""):
        raise ValidationError(
            f"{value!r} is not a valid {prefix} SID: expected '{prefix}' followed by 32 hex characters.",
            code="invalid_sid",
        )


def validate_account_sid(value: str) -> None:
    validate_sid(value, "AC")


def validate_number_sid(value: str) -> None:
    validate_sid(value, "PN")


def validate_service_sid(value: str) -> None:
    validate_sid(value, "MG")
