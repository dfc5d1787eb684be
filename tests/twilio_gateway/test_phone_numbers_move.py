"""The gateway calls a move uses: transfer with the parent's credentials, reading a number's URLs, setting
them back, and reading one service membership (with the subaccount's credentials)."""

from __future__ import annotations

from owlie_portal.twilio_gateway import accounts, messaging, phone_numbers
from owlie_portal.twilio_gateway.records import SubaccountCredentials


def test_a_transfer_keeps_the_urls_and_lost_urls_can_be_written_back(sandbox):
    account = accounts.subaccount_create(friendly_name="Falcon Flights")
    parent = sandbox.parent_sid
    bought = sandbox.client().api.v2010.accounts(parent).incoming_phone_numbers.create(
        area_code="415", voice_url="https://example.com/v", sms_url="https://example.com/s", voice_method="GET")

    moved = phone_numbers.number_transfer(number_sid=bought.sid, from_account_sid=parent, to_account_sid=account.sid)
    assert (moved.account_sid, moved.voice_url, moved.voice_method, moved.sms_url) == (
        account.sid, "https://example.com/v", "GET", "https://example.com/s")

    sandbox.sandbox.store.numbers[bought.sid].voice_url = ""
    restored = phone_numbers.number_set_urls(account_sid=account.sid, number_sid=bought.sid,
                                             urls={"voice_url": "https://example.com/v"})
    assert phone_numbers.number_fetch(account_sid=account.sid, number_sid=bought.sid).voice_url == restored.voice_url
    assert restored.voice_url == "https://example.com/v" and restored.sms_url == "https://example.com/s"


def test_one_service_membership_is_read_with_the_subaccounts_credentials(sandbox):
    account = accounts.subaccount_create(friendly_name="Heron Health")
    credentials = SubaccountCredentials(account_sid=account.sid, auth_token=account.auth_token)
    number = phone_numbers.number_buy(account_sid=account.sid, area_code="415")
    service = messaging.service_create(credentials=credentials, friendly_name="Heron notifications")

    assert not messaging.service_has_number(credentials=credentials, service_sid=service.sid, number_sid=number.sid)
    messaging.service_add_number(credentials=credentials, service_sid=service.sid, number_sid=number.sid)
    assert messaging.service_has_number(credentials=credentials, service_sid=service.sid, number_sid=number.sid)
