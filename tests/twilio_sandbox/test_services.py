"""Messaging Services (v1) and their PhoneNumbers: scope by credentials, membership rules."""

import re

from resource_helpers import buy, rest_error, subaccount

ISO = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")


def raw_get(client, url):
    return client.request("GET", url)


def test_create_fetch_update_delete(sandbox, parent_client):
    services = parent_client.messaging.v1.services
    created = services.create(friendly_name="Alerts", status_callback="https://example.com/status",
                              inbound_request_url="https://example.com/in")
    assert created.sid.startswith("MG") and created.account_sid == sandbox.parent_sid
    assert created.validity_period == 36000 and created.scan_message_content == "inherit"
    assert created.links["phone_numbers"] == f"https://messaging.twilio.com/v1/Services/{created.sid}/PhoneNumbers"
    updated = services(created.sid).update(friendly_name="Renamed", sticky_sender=False)
    assert updated.friendly_name == "Renamed" and updated.sticky_sender is False
    assert services(created.sid).fetch().inbound_request_url == "https://example.com/in"
    assert services(created.sid).delete() is True
    error = rest_error(lambda: services(created.sid).fetch())
    assert (error.status, error.code) == (404, 20404)


def test_v1_dates_are_iso_and_parsed_by_the_client(sandbox, parent_client):
    service = parent_client.messaging.v1.services.create(friendly_name="Alerts")
    raw = raw_get(parent_client, f"https://messaging.twilio.com/v1/Services/{service.sid}")
    assert ISO.search(raw.text)
    assert service.date_created.tzinfo is not None  # the client only parses %Y-%m-%dT%H:%M:%SZ


def test_create_without_friendly_name_is_rejected(sandbox, parent_client):
    error = rest_error(lambda: parent_client.messaging.v1.services.create(friendly_name=""))
    assert error.status == 400


def test_list_pages_with_absolute_meta_urls(sandbox, parent_client):
    for i in range(5):
        parent_client.messaging.v1.services.create(friendly_name=f"s{i}")
    page = parent_client.messaging.v1.services.page(page_size=2)
    assert page.next_page_url.startswith("https://messaging.twilio.com/v1/Services?")
    assert len(list(parent_client.messaging.v1.services.stream(page_size=2))) == 5


def test_parent_credentials_manage_only_the_parents_services(sandbox, parent_client):
    sub = subaccount(parent_client)
    sub_client = sandbox.client(sub.sid, sub.auth_token)
    theirs = sub_client.messaging.v1.services.create(friendly_name="customer service")
    assert theirs.account_sid == sub.sid
    assert parent_client.messaging.v1.services.list() == []
    # Even with account_sid=sub the parent's client acts on the parent (docs/twilio-behaviour.md §5).
    scoped = sandbox.client(account_sid=sub.sid)
    error = rest_error(lambda: scoped.messaging.v1.services(theirs.sid).fetch())
    assert (error.status, error.code) == (404, 20404)


def test_add_list_fetch_and_remove_a_number(sandbox, parent_client):
    number = buy(parent_client, sandbox.parent_sid, phone_number="+14155550101")
    service = parent_client.messaging.v1.services.create(friendly_name="svc")
    pool = parent_client.messaging.v1.services(service.sid).phone_numbers
    added = pool.create(phone_number_sid=number.sid)
    assert added.sid == number.sid and added.phone_number == "+14155550101"
    assert added.service_sid == service.sid and added.country_code == "US"
    assert "SMS" in added.capabilities
    assert [p.sid for p in pool.list()] == [number.sid]
    assert pool(number.sid).fetch().phone_number == "+14155550101"
    assert pool(number.sid).delete() is True
    assert pool.list() == []
    # Leaving the service does not release the number.
    assert parent_client.incoming_phone_numbers(number.sid).fetch().sid == number.sid


def test_number_in_another_service_is_21712(sandbox, parent_client):
    number = buy(parent_client, sandbox.parent_sid, phone_number="+14155550101")
    first = parent_client.messaging.v1.services.create(friendly_name="one")
    second = parent_client.messaging.v1.services.create(friendly_name="two")
    parent_client.messaging.v1.services(first.sid).phone_numbers.create(phone_number_sid=number.sid)
    error = rest_error(lambda: parent_client.messaging.v1.services(second.sid).phone_numbers.create(
        phone_number_sid=number.sid))
    assert (error.status, error.code) == (400, 21712)
    assert parent_client.messaging.v1.services(second.sid).phone_numbers.list() == []


def test_pool_of_400_is_full_21714(sandbox, parent_client):
    service = parent_client.messaging.v1.services.create(friendly_name="big")
    pool = parent_client.messaging.v1.services(service.sid).phone_numbers
    for i in range(400):
        pool.create(phone_number_sid=buy(parent_client, sandbox.parent_sid, phone_number=f"+1206555{1000 + i:04d}").sid)
    extra = buy(parent_client, sandbox.parent_sid, phone_number="+12065559999")
    error = rest_error(lambda: pool.create(phone_number_sid=extra.sid))
    assert (error.status, error.code) == (400, 21714)


def test_number_without_sms_is_21715(sandbox, parent_client):
    voice_only = buy(parent_client, sandbox.parent_sid, phone_number="+14155550042")
    service = parent_client.messaging.v1.services.create(friendly_name="svc")
    error = rest_error(lambda: parent_client.messaging.v1.services(service.sid).phone_numbers.create(
        phone_number_sid=voice_only.sid))
    assert (error.status, error.code) == (400, 21715)


def test_number_of_another_account_is_21421(sandbox, parent_client):
    sub = subaccount(parent_client)
    theirs = buy(parent_client, sub.sid, phone_number="+14155550101")
    service = parent_client.messaging.v1.services.create(friendly_name="svc")
    error = rest_error(lambda: parent_client.messaging.v1.services(service.sid).phone_numbers.create(
        phone_number_sid=theirs.sid))
    assert (error.status, error.code) == (400, 21421)


def test_deleting_a_service_frees_its_numbers(sandbox, parent_client):
    number = buy(parent_client, sandbox.parent_sid, phone_number="+14155550101")
    first = parent_client.messaging.v1.services.create(friendly_name="one")
    parent_client.messaging.v1.services(first.sid).phone_numbers.create(phone_number_sid=number.sid)
    parent_client.messaging.v1.services(first.sid).delete()
    second = parent_client.messaging.v1.services.create(friendly_name="two")
    assert parent_client.messaging.v1.services(second.sid).phone_numbers.create(
        phone_number_sid=number.sid).service_sid == second.sid


def test_suspended_account_cannot_change_its_services(sandbox, parent_client):
    sub = subaccount(parent_client)
    parent_client.api.v2010.accounts(sub.sid).update(status="suspended")
    own = sandbox.client(sub.sid, sub.auth_token)
    error = rest_error(lambda: own.messaging.v1.services.create(friendly_name="nope"))
    assert (error.status, error.code) == (401, 20003)
    assert own.messaging.v1.services.list() == []
