"""Messaging Services through the gateway, acting as a subaccount with its credentials record."""

from __future__ import annotations

import pytest

from owlie_portal.twilio_gateway import accounts, messaging, phone_numbers
from owlie_portal.twilio_gateway.errors import TwilioConfigurationError, TwilioPermanentError
from owlie_portal.twilio_gateway.records import SubaccountCredentials


def test_a_subaccounts_services_and_their_numbers_are_managed_with_its_credentials_record(sandbox):
    account = accounts.subaccount_create(friendly_name="Heron Health")
    credentials = SubaccountCredentials(account_sid=account.sid, auth_token=account.auth_token)
    number = phone_numbers.number_buy(account_sid=account.sid, area_code="415")

    service = messaging.service_create(credentials=credentials, friendly_name="Heron notifications")
    messaging.service_add_number(credentials=credentials, service_sid=service.sid, number_sid=number.sid)

    assert service.account_sid == account.sid
    assert sandbox.sandbox.store.services[service.sid].account_sid == account.sid
    assert [s.sid for s in messaging.services_list(credentials=credentials)] == [service.sid]
    assert messaging.service_numbers_list(credentials=credentials, service_sid=service.sid) == [number.sid]
    assert messaging.service_remove_number(credentials=credentials, service_sid=service.sid, number_sid=number.sid)
    assert not messaging.service_remove_number(credentials=credentials, service_sid=service.sid,
                                               number_sid=number.sid)  # already out: 20404, not an error
    assert messaging.service_numbers_list(credentials=credentials, service_sid=service.sid) == []


def test_a_wrong_auth_token_is_a_permanent_error_and_a_missing_one_never_reaches_twilio(sandbox):
    account = accounts.subaccount_create(friendly_name="Kestrel Kitchens")
    sandbox.sandbox.stats.reset()

    with pytest.raises(TwilioPermanentError) as raised:
        messaging.services_list(credentials=SubaccountCredentials(account_sid=account.sid, auth_token="f" * 32))
    assert (raised.value.code, raised.value.status) == (20003, 401)
    with pytest.raises(TwilioConfigurationError):
        messaging.services_list(credentials=SubaccountCredentials(account_sid=account.sid, auth_token=""))
    assert sandbox.sandbox.stats.to_json()["total_requests"] == 1
