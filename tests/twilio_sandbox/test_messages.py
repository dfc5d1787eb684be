"""Messages through the official client: validation codes, magic numbers, statuses, list, redact, delete."""

from datetime import datetime, timedelta, timezone

import pytest

from resource_helpers import buy, fast_delivery, rest_error, subaccount, wait_status  # noqa: F401

SENDER = "+14155550101"
VOICE_ONLY = "+14155550042"  # last four digits start with "00": the sandbox sells it without SMS


@pytest.fixture
def sender(sandbox, parent_client):
    return buy(parent_client, sandbox.parent_sid, phone_number=SENDER)


def send(client, **params):
    params.setdefault("to", "+14155559999")
    params.setdefault("body", "hello")
    return client.messages.create(**params)


def test_send_from_owned_number_is_queued_with_twilio_fields(sandbox, parent_client, sender):
    message = send(parent_client, from_=SENDER)
    assert message.sid.startswith("SM") and len(message.sid) == 34
    assert message.status == "queued" and message.direction == "outbound-api"
    assert message.from_ == SENDER and message.to == "+14155559999"
    assert message.num_segments == "1" and message.price is None and message.price_unit == "USD"
    assert message.messaging_service_sid is None and message.error_code is None


def test_queued_message_advances_to_delivered_with_a_negative_price(sandbox, parent_client, sender, fast_delivery):
    message = send(parent_client, from_=SENDER, body="x" * 200)
    delivered = wait_status(parent_client, sandbox.parent_sid, message.sid, "delivered")
    assert delivered.num_segments == "2"
    assert delivered.price == "-0.01580" and delivered.date_sent is not None


def test_send_via_service_is_accepted_and_picks_a_sender_from_the_pool(sandbox, parent_client, sender, fast_delivery):
    service = parent_client.messaging.v1.services.create(friendly_name="svc")
    parent_client.messaging.v1.services(service.sid).phone_numbers.create(phone_number_sid=sender.sid)
    message = send(parent_client, messaging_service_sid=service.sid)
    assert message.status == "accepted" and message.messaging_service_sid == service.sid
    # Twilio reports no sender until it has picked one.
    assert message.from_ is None
    assert wait_status(parent_client, sandbox.parent_sid, message.sid, "delivered").from_ == SENDER


def test_from_mg_sid_is_shorthand_for_messaging_service_sid(sandbox, parent_client, sender):
    service = parent_client.messaging.v1.services.create(friendly_name="svc")
    parent_client.messaging.v1.services(service.sid).phone_numbers.create(phone_number_sid=sender.sid)
    message = send(parent_client, from_=service.sid)
    assert message.status == "accepted" and message.messaging_service_sid == service.sid


def test_service_without_numbers_is_21703(sandbox, parent_client):
    service = parent_client.messaging.v1.services.create(friendly_name="empty")
    error = rest_error(lambda: send(parent_client, messaging_service_sid=service.sid))
    assert (error.status, error.code) == (400, 21703)


def test_unknown_service_is_21701(sandbox, parent_client):
    error = rest_error(lambda: send(parent_client, messaging_service_sid="MG" + "0" * 32))
    assert (error.status, error.code) == (400, 21701)


def test_missing_to_is_21604(sandbox, parent_client, sender):
    error = rest_error(lambda: parent_client.messages.create(to="", from_=SENDER, body="hi"))
    assert (error.status, error.code) == (400, 21604)


def test_missing_sender_is_21603(sandbox, parent_client):
    error = rest_error(lambda: parent_client.messages.create(to="+14155559999", body="hi"))
    assert (error.status, error.code) == (400, 21603)


def test_missing_body_and_media_is_21602(sandbox, parent_client, sender):
    error = rest_error(lambda: parent_client.messages.create(to="+14155559999", from_=SENDER))
    assert (error.status, error.code) == (400, 21602)


def test_media_without_body_is_accepted(sandbox, parent_client, sender):
    message = parent_client.messages.create(to="+14155559999", from_=SENDER, media_url=["https://example.com/a.png"])
    assert message.num_media == "1"


def test_body_over_1600_characters_is_21617(sandbox, parent_client, sender):
    error = rest_error(lambda: send(parent_client, from_=SENDER, body="x" * 1601))
    assert (error.status, error.code) == (400, 21617)


def test_invalid_to_is_21211_with_twilios_message(sandbox, parent_client, sender):
    error = rest_error(lambda: send(parent_client, from_=SENDER, to="5551234567"))
    assert (error.status, error.code) == (400, 21211)
    assert "The 'To' number 5551234567 is not a valid phone number." in error.msg


@pytest.mark.parametrize("to, code", [
    ("+15005550001", 21211), ("+15005550002", 21612), ("+15005550003", 21408),
    ("+15005550004", 21610), ("+15005550009", 21614),
])
def test_magic_to_numbers(sandbox, parent_client, to, code):
    error = rest_error(lambda: send(parent_client, from_="+15005550006", to=to))
    assert (error.status, error.code) == (400, code)


@pytest.mark.parametrize("from_, code", [("+15005550001", 21212), ("+15005550007", 21606), ("+15005550008", 21611)])
def test_magic_from_numbers(sandbox, parent_client, from_, code):
    error = rest_error(lambda: send(parent_client, from_=from_))
    assert (error.status, error.code) == (400, code)


def test_magic_test_sender_always_works(sandbox, parent_client):
    assert send(parent_client, from_="+15005550006").status == "queued"


def test_from_not_owned_by_the_account_is_21606_and_nothing_is_stored(sandbox, parent_client):
    sub = subaccount(parent_client)
    buy(parent_client, sub.sid, phone_number=SENDER)
    error = rest_error(lambda: send(parent_client, from_=SENDER))
    assert (error.status, error.code) == (400, 21606)
    assert parent_client.messages.list() == []


def test_from_without_sms_capability_is_21606(sandbox, parent_client):
    buy(parent_client, sandbox.parent_sid, phone_number=VOICE_ONLY)
    error = rest_error(lambda: send(parent_client, from_=VOICE_ONLY))
    assert (error.status, error.code) == (400, 21606)


def test_suspended_subaccount_cannot_send_10001(sandbox, parent_client):
    sub = subaccount(parent_client)
    buy(parent_client, sub.sid, phone_number=SENDER)
    parent_client.api.v2010.accounts(sub.sid).update(status="suspended")
    own = sandbox.client(sub.sid, sub.auth_token)
    error = rest_error(lambda: send(own, from_=SENDER))
    assert (error.status, error.code) == (401, 10001)
    # The parent acting for it is refused too: the account itself is not active.
    error = rest_error(lambda: parent_client.api.v2010.accounts(sub.sid).messages.create(
        to="+14155559999", from_=SENDER, body="hi"))
    assert error.code == 10001


def test_unicode_bodies_use_ucs2_segments(sandbox, parent_client, sender):
    assert send(parent_client, from_=SENDER, body="é" * 160).num_segments == "1"  # é is in GSM-7
    assert send(parent_client, from_=SENDER, body="✓" * 70).num_segments == "1"
    assert send(parent_client, from_=SENDER, body="✓" * 71).num_segments == "2"
    assert send(parent_client, from_=SENDER, body="x" * 161).num_segments == "2"
    assert send(parent_client, from_=SENDER, body="x" * 307).num_segments == "3"


def test_list_filters_by_to_and_from_newest_first(sandbox, parent_client, sender):
    first = send(parent_client, from_=SENDER, to="+14155550001")
    second = send(parent_client, from_=SENDER, to="+14155550002")
    send(parent_client, from_="+15005550006", to="+14155550001")
    assert [m.sid for m in parent_client.messages.list(from_=SENDER)] == [second.sid, first.sid]
    assert len(parent_client.messages.list(to="+14155550001")) == 2


def test_list_filters_by_date_sent_in_both_formats(sandbox, parent_client, sender, fast_delivery):
    message = send(parent_client, from_=SENDER)
    wait_status(parent_client, sandbox.parent_sid, message.sid, "delivered")
    today = datetime.now(timezone.utc).date()
    assert [m.sid for m in parent_client.messages.list(date_sent=today)] == [message.sid]
    assert parent_client.messages.list(date_sent=today - timedelta(days=1)) == []
    assert len(parent_client.messages.list(date_sent_after=datetime.now(timezone.utc) - timedelta(hours=1))) == 1
    assert parent_client.messages.list(date_sent_before=datetime.now(timezone.utc) - timedelta(hours=1)) == []
    # The plain YYYY-MM-DD form of the docs works as well.
    raw = parent_client.request("GET", f"{parent_client.api.base_url}/2010-04-01/Accounts/{sandbox.parent_sid}"
                                f"/Messages.json", params={"DateSent<": today.isoformat()})
    assert raw.status_code == 200 and message.sid in raw.text


def test_list_pages(sandbox, parent_client):
    for _ in range(5):
        send(parent_client, from_="+15005550006")
    assert len(list(parent_client.messages.stream(page_size=2))) == 5


def test_fetch_unknown_message_is_404(sandbox, parent_client):
    error = rest_error(lambda: parent_client.messages("SM" + "0" * 32).fetch())
    assert (error.status, error.code) == (404, 20404)


def test_empty_body_update_redacts(sandbox, parent_client, sender):
    message = send(parent_client, from_=SENDER, body="secret")
    assert parent_client.messages(message.sid).update(body="").body == ""
    assert parent_client.messages(message.sid).fetch().body == ""


def test_cancel_of_unscheduled_message_is_30409(sandbox, parent_client, sender):
    message = send(parent_client, from_=SENDER)
    error = rest_error(lambda: parent_client.messages(message.sid).update(status="canceled"))
    assert (error.status, error.code) == (400, 30409)


def test_scheduled_message_can_be_canceled(sandbox, parent_client, sender):
    service = parent_client.messaging.v1.services.create(friendly_name="svc")
    parent_client.messaging.v1.services(service.sid).phone_numbers.create(phone_number_sid=sender.sid)
    message = parent_client.messages.create(
        to="+14155559999", body="later", messaging_service_sid=service.sid,
        schedule_type="fixed", send_at=datetime.now(timezone.utc) + timedelta(hours=1))
    assert message.status == "scheduled"
    assert parent_client.messages(message.sid).update(status="canceled").status == "canceled"


def test_delete_answers_204_and_removes_the_message(sandbox, parent_client, sender):
    message = send(parent_client, from_=SENDER)
    assert parent_client.messages(message.sid).delete() is True
    assert parent_client.messages.list() == []


def test_parent_reads_subaccount_messages_only_through_its_path(sandbox, parent_client):
    sub = subaccount(parent_client)
    buy(parent_client, sub.sid, phone_number=SENDER)
    message = sandbox.client(sub.sid, sub.auth_token).messages.create(to="+14155559999", from_=SENDER, body="hi")
    assert parent_client.messages.list() == []
    assert [m.sid for m in parent_client.api.v2010.accounts(sub.sid).messages.list()] == [message.sid]
    assert message.account_sid == sub.sid
