"""Contract: every Accounts / Keys / Balance exchange matches Twilio's OpenAPI subset."""

import dataclasses
import json

import pytest
from twilio.base.exceptions import TwilioRestException

from contract import assert_exchanges_match_spec, check_exchange


def test_account_operations_match_the_spec(sandbox, parent_client, contract_log):
    accounts = parent_client.api.v2010.accounts
    sub = accounts.create(friendly_name="Contract")
    accounts.create()
    accounts.list(friendly_name="Contract", status="active")
    list(accounts.stream(page_size=1))
    accounts(sub.sid).fetch()
    accounts(sub.sid).update(friendly_name="Contract renamed")
    accounts(sub.sid).update(status="suspended")
    accounts(sub.sid).update(status="active")
    accounts(sub.sid).update(status="closed")
    assert_exchanges_match_spec(contract_log)


def test_key_and_balance_operations_match_the_spec(sandbox, parent_client, contract_log):
    sub = parent_client.api.v2010.accounts.create(friendly_name="Keys")
    keys = parent_client.api.v2010.accounts(sub.sid)
    key = keys.new_keys.create(friendly_name="first")
    keys.new_keys.create()
    keys.keys.list()
    list(keys.keys.stream(page_size=1))
    keys.keys(key.sid).fetch()
    keys.keys(key.sid).update(friendly_name="renamed")
    keys.keys(key.sid).delete()
    parent_client.api.v2010.account.balance.fetch()
    keys.balance.fetch()
    assert_exchanges_match_spec(contract_log)


def test_error_responses_match_twilios_error_body(sandbox, parent_client, contract_log):
    sub = parent_client.api.v2010.accounts.create(friendly_name="Errors")
    calls = [
        lambda: sandbox.client(sub.sid, sub.auth_token).api.v2010.accounts.create(),
        lambda: parent_client.api.v2010.accounts(sandbox.parent_sid).update(status="closed"),
        lambda: sandbox.client(sandbox.parent_sid, "0" * 32).api.v2010.account.fetch(),
        lambda: parent_client.api.v2010.accounts("AC" + "0" * 32).fetch(),
    ]
    for call in calls:
        with pytest.raises(TwilioRestException):
            call()
    assert_exchanges_match_spec(contract_log)


def test_checker_catches_an_extra_key_and_a_missing_one(sandbox, parent_client, contract_log):
    parent_client.api.v2010.accounts.create(friendly_name="Broken on purpose")
    exchange = contract_log[-1]
    body = json.loads(exchange.response_body)
    body["extra"] = 1
    del body["type"]
    problems = check_exchange(dataclasses.replace(exchange, response_body=json.dumps(body).encode()))
    assert any("extra" in p for p in problems)
    assert any("type" in p for p in problems)


def test_checker_catches_a_wrong_type_and_an_invalid_request(sandbox, parent_client, contract_log):
    parent_client.api.v2010.accounts.list()
    exchange = contract_log[-1]
    body = json.loads(exchange.response_body)
    body["accounts"][0]["date_created"] = 5
    assert check_exchange(dataclasses.replace(exchange, response_body=json.dumps(body).encode()))
    assert check_exchange(dataclasses.replace(exchange, query_string="PageSize=5000"))
