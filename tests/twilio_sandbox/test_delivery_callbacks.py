"""Status callbacks: the status sequence, Twilio's parameters, and signatures RequestValidator accepts."""

import re

from twilio.request_validator import RequestValidator
from werkzeug.datastructures import MultiDict

from resource_helpers import buy, fast_delivery, receiver, signature_valid, subaccount, wait_status  # noqa: F401
from twilio_sandbox.delivery import sign

SENDER = "+14155550101"


def test_sign_matches_request_validator_including_repeated_values():
    token = "12345678901234567890123456789012"
    url = "https://example.com/hook?x=1"
    params = {"To": "+14155550101", "Body": "héllo", "MediaUrl": ["b", "a"]}
    signature = sign(url, params, token)
    # RequestValidator reads repeated names through getlist(), like a Django QueryDict.
    received = MultiDict([("To", "+14155550101"), ("Body", "héllo"), ("MediaUrl", "b"), ("MediaUrl", "a")])
    assert RequestValidator(token).validate(url, received, signature)
    assert not RequestValidator("0" * 32).validate(url, received, signature)


def test_status_callbacks_follow_sending_sent_delivered_with_twilios_params(
        sandbox, parent_client, receiver, fast_delivery):
    buy(parent_client, sandbox.parent_sid, phone_number=SENDER)
    url = receiver.url("/status?tenant=7")
    message = parent_client.messages.create(to="+14155559999", from_=SENDER, body="hi", status_callback=url)
    receiver.wait_for(lambda got: len(got) == 3)
    # No callback for the initial `queued` (docs/twilio-behaviour.md §7).
    assert receiver.statuses() == ["sending", "sent", "delivered"]
    last = receiver.requests[-1]["params"]
    assert last["MessageSid"] == last["SmsSid"] == message.sid
    assert last["SmsStatus"] == "delivered" and last["AccountSid"] == sandbox.parent_sid
    assert last["From"] == SENDER and last["To"] == "+14155559999" and last["ApiVersion"] == "2010-04-01"
    assert re.fullmatch(r"\d{10}", last["RawDlrDoneDate"])
    assert "ErrorCode" not in last and "MessagingServiceSid" not in last
    assert all(signature_valid(r, url, sandbox.parent_token) for r in receiver.requests)


def test_subaccount_callbacks_are_signed_with_the_subaccount_token(sandbox, parent_client, receiver, fast_delivery):
    sub = subaccount(parent_client)
    buy(parent_client, sub.sid, phone_number=SENDER)
    sub_client = sandbox.client(sub.sid, sub.auth_token)
    sub_client.messages.create(to="+14155559999", from_=SENDER, body="hi", status_callback=receiver.url())
    receiver.wait_for(lambda got: len(got) == 3)
    assert all(signature_valid(r, receiver.url(), sub.auth_token) for r in receiver.requests)
    assert not signature_valid(receiver.requests[0], receiver.url(), sandbox.parent_token)


def test_service_status_callback_is_used_when_the_message_has_none(sandbox, parent_client, receiver, fast_delivery):
    number = buy(parent_client, sandbox.parent_sid, phone_number=SENDER)
    service = parent_client.messaging.v1.services.create(friendly_name="svc", status_callback=receiver.url("/svc"))
    parent_client.messaging.v1.services(service.sid).phone_numbers.create(phone_number_sid=number.sid)
    parent_client.messages.create(to="+14155559999", messaging_service_sid=service.sid, body="hi")
    receiver.wait_for(lambda got: len(got) == 3)
    assert {r["path"] for r in receiver.requests} == {"/svc"}
    assert receiver.requests[-1]["params"]["MessagingServiceSid"] == service.sid


def test_message_status_callback_overrides_the_services(sandbox, parent_client, receiver, fast_delivery):
    number = buy(parent_client, sandbox.parent_sid, phone_number=SENDER)
    service = parent_client.messaging.v1.services.create(friendly_name="svc", status_callback=receiver.url("/svc"))
    parent_client.messaging.v1.services(service.sid).phone_numbers.create(phone_number_sid=number.sid)
    parent_client.messages.create(to="+14155559999", messaging_service_sid=service.sid, body="hi",
                                  status_callback=receiver.url("/own"))
    receiver.wait_for(lambda got: len(got) == 3)
    assert {r["path"] for r in receiver.requests} == {"/own"}


def test_undelivered_recipient_ends_with_error_code_30003(sandbox, parent_client, receiver, fast_delivery):
    buy(parent_client, sandbox.parent_sid, phone_number=SENDER)
    message = parent_client.messages.create(to="+15005550010", from_=SENDER, body="hi", status_callback=receiver.url())
    receiver.wait_for(lambda got: len(got) == 3)
    assert receiver.statuses() == ["sending", "sent", "undelivered"]
    last = receiver.requests[-1]["params"]
    assert last["ErrorCode"] == "30003" and "RawDlrDoneDate" in last
    fetched = parent_client.messages(message.sid).fetch()
    assert (fetched.status, fetched.error_code) == ("undelivered", 30003)


def test_failed_recipient_fails_at_once_with_error_code(sandbox, parent_client, receiver, fast_delivery):
    buy(parent_client, sandbox.parent_sid, phone_number=SENDER)
    message = parent_client.messages.create(to="+15005550011", from_=SENDER, body="hi", status_callback=receiver.url())
    receiver.wait_for(lambda got: len(got) == 1)
    assert receiver.statuses() == ["failed"]
    assert receiver.requests[0]["params"]["ErrorCode"] == "30008"
    assert parent_client.messages(message.sid).fetch().price is None


def test_account_suspended_before_sending_fails_with_30002(sandbox, parent_client):
    sub = subaccount(parent_client)
    buy(parent_client, sub.sid, phone_number=SENDER)
    sandbox.sandbox.delivery.step_seconds = 0.3
    try:
        message = parent_client.api.v2010.accounts(sub.sid).messages.create(to="+14155559999", from_=SENDER, body="hi")
        parent_client.api.v2010.accounts(sub.sid).update(status="suspended")
        failed = wait_status(parent_client, sub.sid, message.sid, "failed")
    finally:
        sandbox.sandbox.delivery.step_seconds = 0.2
    assert failed.error_code == 30002


def test_failing_callback_receiver_does_not_stop_delivery(sandbox, parent_client, receiver, fast_delivery):
    buy(parent_client, sandbox.parent_sid, phone_number=SENDER)
    receiver.status = 500
    message = parent_client.messages.create(to="+14155559999", from_=SENDER, body="hi", status_callback=receiver.url())
    assert wait_status(parent_client, sandbox.parent_sid, message.sid, "delivered")
    dead = parent_client.messages.create(to="+14155559999", from_=SENDER, body="hi",
                                         status_callback="http://127.0.0.1:9/nobody")
    assert wait_status(parent_client, sandbox.parent_sid, dead.sid, "delivered")


def test_default_step_is_short(sandbox, parent_client):
    assert 0 < sandbox.sandbox.delivery.step_seconds <= 0.5
