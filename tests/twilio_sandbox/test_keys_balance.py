"""API keys (secret only on create; scope of one account) and Balance."""

import json

import pytest
from resource_helpers import error_of  # noqa: E402


@pytest.fixture
def sub(parent_client):
    return parent_client.api.v2010.accounts.create(friendly_name="Keyed")


def test_key_create_returns_the_secret_once(sandbox, parent_client):
    key = parent_client.api.v2010.accounts(sandbox.parent_sid).new_keys.create(friendly_name="deploy")
    assert key.sid.startswith("SK") and len(key.secret) == 32
    fetched = parent_client.api.v2010.accounts(sandbox.parent_sid).keys(key.sid).fetch()
    assert fetched.friendly_name == "deploy"
    fetch_body = json.loads(sandbox.exchange_log[-1].response_body)
    assert "secret" not in fetch_body


def test_keys_are_listed_per_account(sandbox, parent_client, sub):
    parent_client.api.v2010.accounts(sandbox.parent_sid).new_keys.create(friendly_name="parent key")
    parent_client.api.v2010.accounts(sub.sid).new_keys.create(friendly_name="sub key")
    names = [k.friendly_name for k in parent_client.api.v2010.accounts(sub.sid).keys.list()]
    assert names == ["sub key"]


def test_key_friendly_name_can_be_updated(sandbox, parent_client):
    key = parent_client.api.v2010.accounts(sandbox.parent_sid).new_keys.create(friendly_name="old")
    updated = parent_client.api.v2010.accounts(sandbox.parent_sid).keys(key.sid).update(friendly_name="new")
    assert updated.friendly_name == "new"


def test_deleted_key_no_longer_authenticates(sandbox, parent_client):
    key = parent_client.api.v2010.accounts(sandbox.parent_sid).new_keys.create(friendly_name="gone")
    assert parent_client.api.v2010.accounts(sandbox.parent_sid).keys(key.sid).delete() is True
    client = sandbox.client(key.sid, key.secret, account_sid=sandbox.parent_sid)
    assert error_of(lambda: client.api.v2010.accounts(sandbox.parent_sid).fetch()) == (401, 20003)
    assert key.sid not in sandbox.sandbox.store.keys


def test_api_key_authenticates_for_its_own_account(sandbox, parent_client, sub):
    key = parent_client.api.v2010.accounts(sub.sid).new_keys.create(friendly_name="sub key")
    client = sandbox.client(key.sid, key.secret, account_sid=sub.sid)
    assert client.api.v2010.account.fetch().sid == sub.sid


def test_wrong_key_secret_is_rejected(sandbox, parent_client):
    key = parent_client.api.v2010.accounts(sandbox.parent_sid).new_keys.create()
    client = sandbox.client(key.sid, "f" * 32, account_sid=sandbox.parent_sid)
    assert error_of(lambda: client.api.v2010.account.fetch()) == (401, 20003)


def test_parent_api_key_cannot_reach_subaccounts(sandbox, parent_client, sub):
    key = parent_client.api.v2010.accounts(sandbox.parent_sid).new_keys.create()
    client = sandbox.client(key.sid, key.secret, account_sid=sandbox.parent_sid)
    assert error_of(lambda: client.api.v2010.accounts(sub.sid).fetch()) == (401, 20003)


def test_subaccount_api_key_cannot_reach_the_parent(sandbox, parent_client, sub):
    key = parent_client.api.v2010.accounts(sub.sid).new_keys.create()
    client = sandbox.client(key.sid, key.secret, account_sid=sub.sid)
    assert error_of(lambda: client.api.v2010.accounts(sandbox.parent_sid).fetch()) == (401, 20003)


def test_fetching_another_accounts_key_is_404(sandbox, parent_client, sub):
    key = parent_client.api.v2010.accounts(sub.sid).new_keys.create()
    assert error_of(lambda: parent_client.api.v2010.accounts(sandbox.parent_sid).keys(key.sid).fetch()) == (404, 20404)


def test_parent_balance_is_a_string_in_usd(sandbox, parent_client):
    sandbox.control("config", balance="12.34")
    balance = parent_client.api.v2010.account.balance.fetch()
    assert (balance.account_sid, balance.balance, balance.currency) == (sandbox.parent_sid, "12.34", "USD")


def test_subaccount_balance_carries_no_balance_information(parent_client, sub):
    balance = parent_client.api.v2010.accounts(sub.sid).balance.fetch()
    assert (balance.account_sid, balance.balance, balance.currency) == (sub.sid, None, None)
