"""Accounts and subaccount rules (docs/twilio-behaviour.md §5), through the real twilio client over HTTP."""

import base64
import http.client
import re
import time

import pytest

from twilio_sandbox.store import Account, Number, Service
from twilio_sandbox.wire import new_sid, new_token
from resource_helpers import error_of  # noqa: E402


@pytest.fixture
def sub(parent_client):
    return parent_client.api.v2010.accounts.create(friendly_name="Customer One")


def test_parent_creates_an_active_full_subaccount_owned_by_it(sandbox, parent_client):
    account = parent_client.api.v2010.accounts.create(friendly_name="Acme")
    assert re.fullmatch(r"AC[0-9a-f]{32}", account.sid)
    assert (account.status, account.type, account.owner_account_sid) == ("active", "Full", sandbox.parent_sid)
    assert re.fullmatch(r"[0-9a-f]{32}", account.auth_token)
    assert account.uri == f"/2010-04-01/Accounts/{account.sid}.json"
    assert account.sid in sandbox.sandbox.store.accounts


def test_subaccount_without_friendly_name_gets_twilios_default_name(parent_client):
    account = parent_client.api.v2010.accounts.create()
    assert re.fullmatch(r"SubAccount Created at \d{4}-\d\d-\d\d \d\d:\d\d (am|pm)", account.friendly_name)


def test_subaccount_cannot_create_subaccounts(sandbox, sub):
    client = sandbox.client(sub.sid, sub.auth_token)
    assert error_of(lambda: client.api.v2010.accounts.create(friendly_name="nested")) == (400, 21101)
    assert len(sandbox.sandbox.store.accounts) == 2


def test_creating_beyond_max_subaccounts_is_rejected(sandbox, parent_client):
    sandbox.control("config", max_subaccounts=2)
    parent_client.api.v2010.accounts.create(friendly_name="one")
    parent_client.api.v2010.accounts.create(friendly_name="two")
    assert error_of(lambda: parent_client.api.v2010.accounts.create(friendly_name="three")) == (400, 21480)
    assert len(sandbox.sandbox.store.accounts) == 3


def test_list_filters_by_exact_friendly_name(parent_client):
    parent_client.api.v2010.accounts.create(friendly_name="Tenant 7")
    parent_client.api.v2010.accounts.create(friendly_name="Tenant 77")
    found = parent_client.api.v2010.accounts.list(friendly_name="Tenant 7")
    assert [a.friendly_name for a in found] == ["Tenant 7"]


def test_list_filters_by_status(parent_client, sub):
    parent_client.api.v2010.accounts(sub.sid).update(status="suspended")
    found = parent_client.api.v2010.accounts.list(status="suspended")
    assert [a.sid for a in found] == [sub.sid]


def test_parent_list_includes_itself_and_its_subaccounts(sandbox, parent_client, sub):
    sids = {a.sid for a in parent_client.api.v2010.accounts.list()}
    assert sids == {sandbox.parent_sid, sub.sid}


def test_subaccount_list_shows_only_itself(sandbox, parent_client, sub):
    parent_client.api.v2010.accounts.create(friendly_name="sibling")
    client = sandbox.client(sub.sid, sub.auth_token)
    assert [a.sid for a in client.api.v2010.accounts.list()] == [sub.sid]


def test_listing_a_1000_page_of_5000_subaccounts_is_fast(sandbox):
    store = sandbox.sandbox.store
    with store.lock:
        for index in range(5000):
            sid = new_sid("AC")
            store.accounts[sid] = Account(sid=sid, auth_token=new_token(), friendly_name=f"bulk {index}",
                                          owner_account_sid=store.parent_sid)
    host, port = sandbox.url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    auth = "Basic " + base64.b64encode(f"{sandbox.parent_sid}:{sandbox.parent_token}".encode()).decode()
    timings = []
    for page in range(3):
        started = time.perf_counter()
        connection.request("GET", f"/2010-04-01/Accounts.json?PageSize=1000&Page={page}&PageToken=PT{page * 1000}",
                           headers={"Authorization": auth})
        response = connection.getresponse()
        response.read()
        timings.append(time.perf_counter() - started)
        assert response.status == 200
    assert min(timings) < 0.1


def test_parent_fetches_a_subaccount(sandbox, parent_client, sub):
    fetched = parent_client.api.v2010.accounts(sub.sid).fetch()
    assert (fetched.friendly_name, fetched.auth_token) == ("Customer One", sub.auth_token)


def test_subaccount_cannot_fetch_a_sibling(sandbox, parent_client, sub):
    sibling = parent_client.api.v2010.accounts.create(friendly_name="sibling")
    client = sandbox.client(sub.sid, sub.auth_token)
    assert error_of(lambda: client.api.v2010.accounts(sibling.sid).fetch()) == (401, 20003)


def test_subaccount_cannot_reach_its_parent(sandbox, sub):
    client = sandbox.client(sub.sid, sub.auth_token)
    assert error_of(lambda: client.api.v2010.accounts(sandbox.parent_sid).fetch()) == (401, 20003)


def test_fetching_an_unknown_account_is_404(parent_client):
    assert error_of(lambda: parent_client.api.v2010.accounts("AC" + "0" * 32).fetch()) == (404, 20404)


def test_update_changes_friendly_name(parent_client, sub):
    updated = parent_client.api.v2010.accounts(sub.sid).update(friendly_name="Renamed")
    assert updated.friendly_name == "Renamed"
    assert parent_client.api.v2010.accounts(sub.sid).fetch().friendly_name == "Renamed"


def test_parent_suspends_and_reactivates_a_subaccount(parent_client, sub):
    assert parent_client.api.v2010.accounts(sub.sid).update(status="suspended").status == "suspended"
    assert parent_client.api.v2010.accounts(sub.sid).update(status="active").status == "active"


def test_closed_subaccount_cannot_be_reopened(sandbox, parent_client, sub):
    parent_client.api.v2010.accounts(sub.sid).update(status="closed")
    assert error_of(lambda: parent_client.api.v2010.accounts(sub.sid).update(status="active")) == (400, 21479)
    assert sandbox.sandbox.store.accounts[sub.sid].status == "closed"


def test_closing_a_subaccount_releases_its_numbers_and_their_service_membership(sandbox, parent_client, sub):
    store = sandbox.sandbox.store
    with store.lock:
        service = Service(sid=new_sid("MG"), account_sid=sub.sid, friendly_name="svc")
        store.services[service.sid] = service
        kept = Number(sid=new_sid("PN"), account_sid=sandbox.parent_sid, phone_number="+15005550100")
        released = Number(sid=new_sid("PN"), account_sid=sub.sid, phone_number="+15005550101",
                          service_sid=service.sid)
        store.numbers.update({kept.sid: kept, released.sid: released})
    parent_client.api.v2010.accounts(sub.sid).update(status="closed")
    assert set(store.numbers) == {kept.sid}
    assert not any(n.service_sid == service.sid for n in store.numbers.values())


def test_suspending_keeps_the_subaccounts_numbers(sandbox, parent_client, sub):
    store = sandbox.sandbox.store
    number = Number(sid=new_sid("PN"), account_sid=sub.sid, phone_number="+15005550102")
    store.numbers[number.sid] = number
    parent_client.api.v2010.accounts(sub.sid).update(status="suspended")
    assert number.sid in store.numbers


def test_parent_cannot_suspend_itself(sandbox, parent_client):
    status, code = error_of(lambda: parent_client.api.v2010.accounts(sandbox.parent_sid).update(status="suspended"))
    assert (status, code) == (403, 20403)
    assert sandbox.sandbox.store.parent().status == "active"


def test_parent_cannot_close_itself(sandbox, parent_client):
    assert error_of(lambda: parent_client.api.v2010.accounts(sandbox.parent_sid).update(status="closed")) == (403, 20403)


def test_subaccount_cannot_change_its_own_status(sandbox, sub):
    client = sandbox.client(sub.sid, sub.auth_token)
    assert error_of(lambda: client.api.v2010.accounts(sub.sid).update(status="suspended")) == (403, 20403)


def test_parent_suspended_by_twilio_cannot_change_subaccount_status(sandbox, parent_client, sub):
    sandbox.control(f"accounts/{sandbox.parent_sid}/suspend-by-twilio")
    assert error_of(lambda: parent_client.api.v2010.accounts(sub.sid).update(status="suspended")) == (400, 21476)
    assert sandbox.sandbox.store.accounts[sub.sid].status == "active"


def test_subaccount_suspended_by_twilio_cannot_be_reactivated_by_parent(sandbox, parent_client, sub):
    sandbox.control(f"accounts/{sub.sid}/suspend-by-twilio")
    assert error_of(lambda: parent_client.api.v2010.accounts(sub.sid).update(status="active")) == (400, 21478)
    assert sandbox.sandbox.store.accounts[sub.sid].status == "suspended"


def test_invalid_status_value_is_rejected(parent_client, sub):
    assert error_of(lambda: parent_client.api.v2010.accounts(sub.sid).update(status="frozen")) == (400, 20001)


def test_suspended_subaccount_credentials_can_read_but_not_write(sandbox, parent_client, sub):
    parent_client.api.v2010.accounts(sub.sid).update(status="suspended")
    client = sandbox.client(sub.sid, sub.auth_token)
    assert client.api.v2010.accounts(sub.sid).fetch().status == "suspended"
    assert error_of(lambda: client.api.v2010.accounts(sub.sid).new_keys.create(friendly_name="k")) == (401, 20003)
    assert not sandbox.sandbox.store.keys


def test_closed_subaccount_credentials_stop_working(sandbox, parent_client, sub):
    parent_client.api.v2010.accounts(sub.sid).update(status="closed")
    client = sandbox.client(sub.sid, sub.auth_token)
    assert error_of(lambda: client.api.v2010.accounts(sub.sid).fetch()) == (401, 20003)


def test_parent_still_lists_a_closed_subaccount(parent_client, sub):
    parent_client.api.v2010.accounts(sub.sid).update(status="closed")
    assert [a.sid for a in parent_client.api.v2010.accounts.list(status="closed")] == [sub.sid]
