"""Numbers are validated with phonenumbers (E.164); Twilio's magic test numbers only through the allow-list."""

import pytest
from django.core.exceptions import ValidationError

from owlie_portal.validators import normalize_phone_number, validate_e164


@pytest.mark.parametrize("typed", ["+14158740103", "(415) 874-0103", "415-874-0103", "+1 415 874 0103",
                                   "1 (415) 874-0103"])
def test_any_common_form_of_a_us_number_becomes_e164(typed):
    assert normalize_phone_number(typed) == "+14158740103"


@pytest.mark.parametrize("bad", ["", "874-0103", "+1415", "hello", "+999123456789", "+1 555 0100"])
def test_a_malformed_number_is_refused_with_a_clear_message(bad):
    with pytest.raises(ValidationError) as refused:
        normalize_phone_number(bad)
    assert "is not a valid phone number" in refused.value.messages[0]


def test_twilios_magic_test_numbers_pass_only_through_the_allow_list(settings):
    settings.TWILIO_ALLOWED_MAGIC_NUMBERS = frozenset({"+15005550006"})
    assert normalize_phone_number("+1 500 555 0006") == "+15005550006"
    with pytest.raises(ValidationError) as refused:
        normalize_phone_number("+15005550100")  # same range, not on the list
    assert "magic test numbers" in refused.value.messages[0]
    settings.TWILIO_ALLOWED_MAGIC_NUMBERS = frozenset()  # real Twilio's default
    with pytest.raises(ValidationError):
        normalize_phone_number("+15005550006")


def test_a_stored_number_must_already_be_e164():
    validate_e164("+14158740103")
    with pytest.raises(ValidationError):
        validate_e164("(415) 874-0103")
