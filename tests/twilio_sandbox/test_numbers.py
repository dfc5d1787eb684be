"""IncomingPhoneNumbers semantics through the official client: buy, list, update, transfer, release."""

from resource_helpers import buy, rest_error, subaccount
from twilio_sandbox.store import Account


def test_buying_by_phone_number_returns_201_with_twilio_defaults(sandbox, parent_client):
    number = buy(parent_client, sandbox.parent_sid, phone_number="+14155551234", sms_url="https://example.com/sms")
    assert number.sid.startswith("PN") and len(number.sid) == 34
    assert number.phone_number == "+14155551234"
    assert number.friendly_name == "(415) 555-1234"
    assert number.account_sid == sandbox.parent_sid
    assert number.sms_url == "https://example.com/sms" and number.sms_method == "POST"
    assert number.capabilities == {"voice": True, "sms": True, "mms": True, "fax": False}


def test_buying_by_area_code_picks_a_number_in_that_area(sandbox, parent_client):
    number = buy(parent_client, sandbox.parent_sid, area_code="212")
    assert number.phone_number.startswith("+1212")


def test_buying_area_code_500_gets_the_magic_test_number(sandbox, parent_client):
    assert buy(parent_client, sandbox.parent_sid, area_code="500").phone_number == "+15005550006"


def test_buying_area_code_533_has_no_numbers_21452(sandbox, parent_client):
    error = rest_error(lambda: buy(parent_client, sandbox.parent_sid, area_code="533"))
    assert (error.status, error.code) == (400, 21452)


def test_buying_magic_unavailable_number_is_21422(sandbox, parent_client):
    error = rest_error(lambda: buy(parent_client, sandbox.parent_sid, phone_number="+15005550000"))
    assert (error.status, error.code) == (400, 21422)


def test_buying_magic_invalid_number_is_21421(sandbox, parent_client):
    error = rest_error(lambda: buy(parent_client, sandbox.parent_sid, phone_number="+15005550001"))
    assert (error.status, error.code) == (400, 21421)


def test_buying_a_non_e164_number_is_21421(sandbox, parent_client):
    error = rest_error(lambda: buy(parent_client, sandbox.parent_sid, phone_number="4155551234"))
    assert (error.status, error.code) == (400, 21421)


def test_buying_a_number_someone_owns_is_21422_and_changes_nothing(sandbox, parent_client):
    sub = subaccount(parent_client)
    buy(parent_client, sandbox.parent_sid, phone_number="+14155551234")
    error = rest_error(lambda: buy(parent_client, sub.sid, phone_number="+14155551234"))
    assert (error.status, error.code) == (400, 21422)
    assert parent_client.api.v2010.accounts(sub.sid).incoming_phone_numbers.list() == []


def test_list_filters_by_partial_number_with_wildcard_friendly_name_and_origin(sandbox, parent_client):
    buy(parent_client, sandbox.parent_sid, phone_number="+14155550101", friendly_name="front desk")
    buy(parent_client, sandbox.parent_sid, phone_number="+14155550202")
    buy(parent_client, sandbox.parent_sid, phone_number="+12125550101")
    numbers = parent_client.incoming_phone_numbers
    assert {n.phone_number for n in numbers.list(phone_number="415")} == {"+14155550101", "+14155550202"}
    assert {n.phone_number for n in numbers.list(phone_number="555**01")} == {"+14155550101", "+12125550101"}
    assert [n.phone_number for n in numbers.list(friendly_name="front desk")] == ["+14155550101"]
    assert len(numbers.list(origin="twilio")) == 3
    assert numbers.list(origin="hosted") == []


def test_list_pages_through_many_numbers(sandbox, parent_client):
    for i in range(7):
        buy(parent_client, sandbox.parent_sid, phone_number=f"+1415555{i:04d}")
    page = parent_client.incoming_phone_numbers.page(page_size=3)
    assert len(list(page)) == 3 and page.next_page_url
    assert len(list(parent_client.incoming_phone_numbers.stream(page_size=3))) == 7


def test_list_shows_only_the_path_accounts_numbers(sandbox, parent_client):
    sub = subaccount(parent_client)
    buy(parent_client, sandbox.parent_sid, phone_number="+14155550101")
    buy(parent_client, sub.sid, phone_number="+14155550102")
    own = parent_client.api.v2010.accounts(sub.sid).incoming_phone_numbers.list()
    assert [n.phone_number for n in own] == ["+14155550102"]


def test_fetch_and_update_urls(sandbox, parent_client):
    number = buy(parent_client, sandbox.parent_sid, phone_number="+14155550101")
    updated = parent_client.incoming_phone_numbers(number.sid).update(
        sms_url="https://example.com/in", sms_method="GET", voice_url="https://example.com/voice",
        status_callback="https://example.com/status", friendly_name="Main line")
    fetched = parent_client.incoming_phone_numbers(number.sid).fetch()
    for record in (updated, fetched):
        assert record.sms_url == "https://example.com/in" and record.sms_method == "GET"
        assert record.voice_url == "https://example.com/voice"
        assert record.status_callback == "https://example.com/status"
        assert record.friendly_name == "Main line"


def test_fetching_another_accounts_number_is_404(sandbox, parent_client):
    sub = subaccount(parent_client)
    number = buy(parent_client, sandbox.parent_sid, phone_number="+14155550101")
    error = rest_error(lambda: parent_client.api.v2010.accounts(sub.sid).incoming_phone_numbers(number.sid).fetch())
    assert (error.status, error.code) == (404, 20404)


def test_transfer_to_subaccount_keeps_sid_number_and_urls(sandbox, parent_client):
    sub = subaccount(parent_client)
    number = buy(parent_client, sandbox.parent_sid, phone_number="+14155550101", sms_url="https://example.com/in")
    moved = parent_client.incoming_phone_numbers(number.sid).update(account_sid=sub.sid)
    assert moved.sid == number.sid and moved.account_sid == sub.sid
    assert moved.phone_number == "+14155550101" and moved.sms_url == "https://example.com/in"
    assert moved.capabilities == number.capabilities
    assert parent_client.incoming_phone_numbers.list() == []
    assert [n.sid for n in parent_client.api.v2010.accounts(sub.sid).incoming_phone_numbers.list()] == [number.sid]


def test_transfer_between_sibling_subaccounts_with_parent_credentials(sandbox, parent_client):
    first, second = subaccount(parent_client, "a"), subaccount(parent_client, "b")
    number = buy(parent_client, first.sid, phone_number="+14155550101")
    moved = parent_client.api.v2010.accounts(first.sid).incoming_phone_numbers(number.sid).update(account_sid=second.sid)
    assert moved.account_sid == second.sid


def test_transfer_with_subaccount_credentials_is_21474_and_changes_nothing(sandbox, parent_client):
    sub = subaccount(parent_client)
    number = buy(parent_client, sub.sid, phone_number="+14155550101")
    sub_client = sandbox.client(sub.sid, sub.auth_token)
    error = rest_error(lambda: sub_client.incoming_phone_numbers(number.sid).update(account_sid=sandbox.parent_sid))
    assert (error.status, error.code) == (400, 21474)
    assert sub_client.incoming_phone_numbers(number.sid).fetch().account_sid == sub.sid


def test_transfer_outside_the_family_is_21473(sandbox, parent_client):
    stranger = "AC" + "ab" * 16
    with sandbox.sandbox.store.lock:
        sandbox.sandbox.store.accounts[stranger] = Account(
            sid=stranger, auth_token="x" * 32, friendly_name="other parent", owner_account_sid=stranger)
    number = buy(parent_client, sandbox.parent_sid, phone_number="+14155550101")
    error = rest_error(lambda: parent_client.incoming_phone_numbers(number.sid).update(account_sid=stranger))
    assert (error.status, error.code) == (400, 21473)
    assert parent_client.incoming_phone_numbers(number.sid).fetch().account_sid == sandbox.parent_sid


def test_transfer_to_a_suspended_subaccount_is_21472(sandbox, parent_client):
    sub = subaccount(parent_client)
    parent_client.api.v2010.accounts(sub.sid).update(status="suspended")
    number = buy(parent_client, sandbox.parent_sid, phone_number="+14155550101")
    error = rest_error(lambda: parent_client.incoming_phone_numbers(number.sid).update(account_sid=sub.sid))
    assert (error.status, error.code) == (400, 21472)


def test_transfer_drops_messaging_service_membership(sandbox, parent_client):
    sub = subaccount(parent_client)
    number = buy(parent_client, sandbox.parent_sid, phone_number="+14155550101")
    service = parent_client.messaging.v1.services.create(friendly_name="parent service")
    parent_client.messaging.v1.services(service.sid).phone_numbers.create(phone_number_sid=number.sid)
    parent_client.incoming_phone_numbers(number.sid).update(account_sid=sub.sid)
    assert parent_client.messaging.v1.services(service.sid).phone_numbers.list() == []


def test_release_answers_204_and_leaves_the_service(sandbox, parent_client):
    number = buy(parent_client, sandbox.parent_sid, phone_number="+14155550101")
    service = parent_client.messaging.v1.services.create(friendly_name="svc")
    parent_client.messaging.v1.services(service.sid).phone_numbers.create(phone_number_sid=number.sid)
    assert parent_client.incoming_phone_numbers(number.sid).delete() is True
    assert parent_client.messaging.v1.services(service.sid).phone_numbers.list() == []
    error = rest_error(lambda: parent_client.incoming_phone_numbers(number.sid).fetch())
    assert (error.status, error.code) == (404, 20404)
    # Released numbers can be bought again.
    assert buy(parent_client, sandbox.parent_sid, phone_number="+14155550101").sid != number.sid
