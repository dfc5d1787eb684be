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


MAGIC_RANGE = "+1500555"  # Twilio's magic test numbers (docs/twilio-behaviour.md §8)


def normalize_phone_number(value: str, *, region: str = "US") -> str:
    """The E.164 form of a phone number typed any common way ("(415) 874-0103" → "+14158740103").

    Raises ValidationError naming the input when it is not a valid number. Twilio's magic test numbers
    (+1 500 555 xxxx) pass only when listed in TWILIO_ALLOWED_MAGIC_NUMBERS."""
    import phonenumbers
    from django.conf import settings

    try:
        parsed = phonenumbers.parse((value or "").strip(), region)
    except phonenumbers.NumberParseException:
        parsed = None
    if parsed is None or not phonenumbers.is_valid_number(parsed):
        raise ValidationError(f"{value!r} is not a valid phone number: use E.164, e.g. +14155550100.",
                              code="invalid_phone_number")
    number = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    if number.startswith(MAGIC_RANGE) and number not in settings.TWILIO_ALLOWED_MAGIC_NUMBERS:
        raise ValidationError(f"{number} is one of Twilio's magic test numbers; it is accepted only when listed "
                              "in TWILIO_ALLOWED_MAGIC_NUMBERS.", code="magic_number")
    return number


def validate_e164(value: str) -> None:
    """A stored number must already be in E.164 and valid (magic test numbers only from the allow-list)."""
    if normalize_phone_number(value) != value:
        raise ValidationError(f"{value!r} is not in E.164 form (e.g. +14155550100).", code="not_e164")
