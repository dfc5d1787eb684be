"""Phone numbers through the gateway: what sync and buy need, and every request matching Twilio's spec."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from owlie_portal.twilio_gateway import accounts, phone_numbers
from owlie_portal.twilio_gateway.errors import TwilioPermanentError, TwilioTransientError, explain
from twilio_sandbox.testing import running_sandbox

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "twilio_sandbox"))
from contract import assert_exchanges_match_spec  # noqa: E402


@pytest.fixture
def recording_sandbox(settings):
    with running_sandbox(record_exchanges=True) as running:
        settings.TWILIO_BASE_URL = running.url
        settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN = running.parent_sid, running.parent_token
        yield running


def test_search_buy_page_find_and_release_carry_what_sync_needs_and_match_the_spec(recording_sandbox):
    account = accounts.subaccount_create(friendly_name="Falcon Flights")
    [offer, *_] = phone_numbers.available_numbers_search(account_sid=account.sid, country="US", area_code="415",
                                                         contains="4*", sms=True, voice=True, limit=5)
    assert offer.sms and offer.voice and offer.phone_number.startswith("+1415")

    bought = phone_numbers.number_buy(account_sid=account.sid, phone_number=offer.phone_number,
                                      sms_url="https://portal.example/twilio/inbound/",
                                      status_callback="https://portal.example/twilio/status/")
    [[listed]] = list(phone_numbers.number_pages(account_sid=account.sid))
    found = phone_numbers.number_find(account_sid=account.sid, phone_number=offer.phone_number)

    assert listed == found == bought
    assert (bought.account_sid, bought.sms_url, bought.sms_method) == (
        account.sid, "https://portal.example/twilio/inbound/", "POST")
    assert bought.status_callback == "https://portal.example/twilio/status/"
    assert bought.address_requirements == "none" and bought.voice_method == "POST"
    assert phone_numbers.number_find(account_sid=recording_sandbox.parent_sid, phone_number=offer.phone_number) is None
    assert phone_numbers.number_release(account_sid=account.sid, number_sid=bought.sid)
    assert not phone_numbers.number_release(account_sid=account.sid, number_sid=bought.sid)  # gone: 20404
    assert_exchanges_match_spec(recording_sandbox.exchange_log)


def test_an_account_with_more_than_a_page_of_numbers_is_read_in_pages(recording_sandbox):
    client = recording_sandbox.client()
    for i in range(5):
        client.api.v2010.accounts(recording_sandbox.parent_sid).incoming_phone_numbers.create(area_code="415")

    pages = list(phone_numbers.number_pages(account_sid=recording_sandbox.parent_sid, page_size=2))

    assert [len(page) for page in pages] == [2, 2, 1]


@pytest.mark.parametrize("code,words", [(21421, "not valid"), (21422, "no longer available"),
                                        (21452, "no numbers left"), (21631, "address")])
def test_buying_refusals_become_sentences(code, words):
    assert words in explain(code, "Twilio's own words")


def test_a_number_someone_else_holds_cannot_be_bought_and_says_so(recording_sandbox):
    taken = phone_numbers.number_buy(account_sid=recording_sandbox.parent_sid, area_code="212")
    with pytest.raises(TwilioPermanentError) as refused:
        phone_numbers.number_buy(account_sid=recording_sandbox.parent_sid, phone_number=taken.phone_number)
    assert refused.value.code == 21422


LIST_ENDPOINT = "GET /2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers.json"


def test_pages_read_as_json_give_the_same_records_as_the_sdks_list(recording_sandbox):
    client = recording_sandbox.client()
    for i in range(3):
        client.api.v2010.accounts(recording_sandbox.parent_sid).incoming_phone_numbers.create(
            area_code="415", sms_url=f"https://portal.example/{i}", voice_url="https://portal.example/voice")

    pages = list(phone_numbers.number_pages(account_sid=recording_sandbox.parent_sid, page_size=2))

    assert [r for page in pages for r in page] == phone_numbers.numbers_list(account_sid=recording_sandbox.parent_sid)
    assert_exchanges_match_spec(recording_sandbox.exchange_log)


def test_listing_an_account_the_parent_does_not_own_raises_the_gateways_permanent_error(recording_sandbox):
    with pytest.raises(TwilioPermanentError) as refused:
        list(phone_numbers.number_pages(account_sid="AC" + "0" * 32))
    assert (refused.value.code, refused.value.status) == (20404, 404)


def test_a_server_error_on_a_later_page_raises_the_gateways_transient_error(recording_sandbox):
    client = recording_sandbox.client()
    for _ in range(3):
        client.api.v2010.accounts(recording_sandbox.parent_sid).incoming_phone_numbers.create(area_code="415")
    pages = phone_numbers.number_pages(account_sid=recording_sandbox.parent_sid, page_size=2)
    assert len(next(pages)) == 2
    recording_sandbox.sandbox.faults.add_targeted(endpoint=LIST_ENDPOINT, outcome="500")
    with pytest.raises(TwilioTransientError) as failed:
        next(pages)
    assert (failed.value.code, failed.value.status) == (20500, 500)
