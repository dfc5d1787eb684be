"""AvailablePhoneNumbers: countries and the deterministic Local / Mobile / TollFree pools."""

import re

import pytest
from twilio.base.exceptions import TwilioException

from resource_helpers import buy, rest_error


def test_countries_list_names_us_ca_gb_with_subresources(sandbox, parent_client):
    countries = {c.country_code: c for c in parent_client.available_phone_numbers.list()}
    assert {"US", "CA", "GB"} <= set(countries)
    assert set(countries["US"].subresource_uris) == {"local", "toll_free"}
    assert countries["US"].country == "United States"


def test_country_fetch(sandbox, parent_client):
    country = parent_client.available_phone_numbers("CA").fetch()
    assert country.country_code == "CA" and country.uri.endswith("/AvailablePhoneNumbers/CA.json")


def test_unknown_country_is_404(sandbox, parent_client):
    error = rest_error(lambda: parent_client.available_phone_numbers("ZZ").fetch())
    assert (error.status, error.code) == (404, 20404)


def test_local_search_by_area_code_is_deterministic_and_sized(sandbox, parent_client):
    first = parent_client.available_phone_numbers("US").local.list(area_code=415, limit=10)
    again = parent_client.available_phone_numbers("US").local.list(area_code=415, limit=10)
    assert len(first) == 10
    assert all(n.phone_number.startswith("+1415") for n in first)
    assert [n.phone_number for n in first] == [n.phone_number for n in again]
    assert first[0].iso_country == "US" and first[0].locality == "San Francisco"


def test_contains_matches_digits_letters_and_wildcards(sandbox, parent_client):
    local = parent_client.available_phone_numbers("US").local
    found = local.list(contains="555", limit=5)
    assert len(found) == 5 and all("555" in n.phone_number for n in found)
    by_letters = local.list(contains="415AOA", limit=3)  # A=2, O=6 on the keypad
    assert by_letters and all("415262" in n.phone_number for n in by_letters)
    wildcard = local.list(contains="415*0*", limit=5)
    assert wildcard and all(re.search(r"415\d0\d", n.phone_number) for n in wildcard)


def test_capability_filters(sandbox, parent_client):
    local = parent_client.available_phone_numbers("US").local
    voice_only = local.list(area_code=415, sms_enabled=False, limit=3)
    assert voice_only and all(not n.capabilities["sms"] for n in voice_only)
    assert all(n.capabilities["sms"] for n in local.list(area_code=415, sms_enabled=True, limit=20))


def test_search_leaves_out_owned_numbers(sandbox, parent_client):
    top = parent_client.available_phone_numbers("US").local.list(area_code=415, limit=1)[0]
    buy(parent_client, sandbox.parent_sid, phone_number=top.phone_number)
    after = parent_client.available_phone_numbers("US").local.list(area_code=415, limit=50)
    assert top.phone_number not in {n.phone_number for n in after}


def test_bought_number_keeps_the_searched_capabilities(sandbox, parent_client):
    voice_only = parent_client.available_phone_numbers("US").local.list(area_code=415, sms_enabled=False, limit=1)[0]
    bought = buy(parent_client, sandbox.parent_sid, phone_number=voice_only.phone_number)
    assert bought.capabilities["sms"] is False


def test_toll_free_search_uses_toll_free_prefixes(sandbox, parent_client):
    numbers = parent_client.available_phone_numbers("US").toll_free.list(limit=5)
    assert numbers and all(n.phone_number[2:5] in ("800", "833", "844", "855", "866", "877", "888") for n in numbers)
    eight_88 = parent_client.available_phone_numbers("US").toll_free.list(area_code=888, limit=2)
    assert all(n.phone_number.startswith("+1888") for n in eight_88)


def test_mobile_exists_for_gb_but_not_us(sandbox, parent_client):
    assert parent_client.available_phone_numbers("GB").mobile.list(limit=2)[0].phone_number.startswith("+447700900")
    # A failed list page raises the base TwilioException (docs/twilio-behaviour.md §2), carrying the response.
    with pytest.raises(TwilioException) as caught:
        parent_client.available_phone_numbers("US").mobile.list(limit=1)
    assert caught.value.args[1].status_code == 404
