"""Opt-out keywords and POST /_sandbox/inbound: recorded message, keyword effects, signed webhook."""

import json
import urllib.error
import urllib.request

import pytest

from resource_helpers import buy, receiver, rest_error, signature_valid, subaccount  # noqa: F401
from twilio_sandbox.resources.optouts import keyword_type

NUMBER = "+14155550101"
USER = "+14155559999"


def inbound(sandbox, body, to=NUMBER, sender=USER):
    return sandbox.control("inbound", From=sender, To=to, Body=body)


@pytest.mark.parametrize("body, kind", [
    ("STOP", "STOP"), (" stop ", "STOP"), ("Unsubscribe", "STOP"), ("end", "STOP"), ("QUIT", "STOP"),
    ("stopall", "STOP"), ("REVOKE", "STOP"), ("optout", "STOP"), ("cancel", "STOP"),
    ("START", "START"), ("yes", "START"), ("Unstop", "START"), ("help", "HELP"),
    ("stop please", None), ("hello", None), ("", None),
])
def test_keyword_type(body, kind):
    assert keyword_type(body) == kind


def test_inbound_records_a_received_message(sandbox, parent_client):
    buy(parent_client, sandbox.parent_sid, phone_number=NUMBER)
    answer = inbound(sandbox, "hello there")
    message = parent_client.messages(answer["message_sid"]).fetch()
    assert (message.direction, message.status) == ("inbound", "received")
    assert (message.from_, message.to, message.body) == (USER, NUMBER, "hello there")
    assert answer["opt_out_type"] is None


def test_stop_blocks_sends_with_21610_and_start_lifts_it(sandbox, parent_client):
    buy(parent_client, sandbox.parent_sid, phone_number=NUMBER)
    assert inbound(sandbox, "Stop")["opt_out_type"] == "STOP"
    error = rest_error(lambda: parent_client.messages.create(to=USER, from_=NUMBER, body="hi"))
    assert (error.status, error.code) == (400, 21610)
    assert inbound(sandbox, "START")["opt_out_type"] == "START"
    assert parent_client.messages.create(to=USER, from_=NUMBER, body="hi").status == "queued"


def test_opt_out_from_a_service_number_covers_the_whole_service(sandbox, parent_client):
    first = buy(parent_client, sandbox.parent_sid, phone_number=NUMBER)
    second = buy(parent_client, sandbox.parent_sid, phone_number="+14155550102")
    service = parent_client.messaging.v1.services.create(friendly_name="svc")
    for number in (first, second):
        parent_client.messaging.v1.services(service.sid).phone_numbers.create(phone_number_sid=number.sid)
    inbound(sandbox, "STOP", to=NUMBER)
    for params in ({"messaging_service_sid": service.sid}, {"from_": "+14155550102"}):
        error = rest_error(lambda: parent_client.messages.create(to=USER, body="hi", **params))
        assert error.code == 21610


def test_opt_out_of_a_plain_number_does_not_block_other_numbers(sandbox, parent_client):
    buy(parent_client, sandbox.parent_sid, phone_number=NUMBER)
    buy(parent_client, sandbox.parent_sid, phone_number="+14155550102")
    inbound(sandbox, "STOP")
    assert parent_client.messages.create(to=USER, from_="+14155550102", body="hi").status == "queued"


def test_opt_out_does_not_follow_a_transferred_number(sandbox, parent_client):
    sub = subaccount(parent_client)
    number = buy(parent_client, sandbox.parent_sid, phone_number=NUMBER)
    inbound(sandbox, "STOP")
    parent_client.incoming_phone_numbers(number.sid).update(account_sid=sub.sid)
    sent = sandbox.client(sub.sid, sub.auth_token).messages.create(to=USER, from_=NUMBER, body="hi")
    assert sent.status == "queued"


def test_inbound_webhook_goes_to_sms_url_signed_with_owner_token(sandbox, parent_client, receiver):
    sub = subaccount(parent_client)
    url = receiver.url("/sms")
    buy(parent_client, sub.sid, phone_number=NUMBER, sms_url=url)
    answer = inbound(sandbox, "STOP")
    assert answer["webhook_status"] == 200
    request = receiver.requests[0]
    params = request["params"]
    assert params["MessageSid"] == params["SmsSid"] == params["SmsMessageSid"] == answer["message_sid"]
    assert (params["AccountSid"], params["From"], params["To"], params["Body"]) == (sub.sid, USER, NUMBER, "STOP")
    assert params["NumMedia"] == "0" and params["NumSegments"] == "1" and params["ApiVersion"] == "2010-04-01"
    assert params["OptOutType"] == "STOP" and "MessagingServiceSid" not in params
    assert signature_valid(request, url, sub.auth_token)


def test_inbound_webhook_goes_to_the_services_inbound_url(sandbox, parent_client, receiver):
    number = buy(parent_client, sandbox.parent_sid, phone_number=NUMBER, sms_url=receiver.url("/number"))
    service = parent_client.messaging.v1.services.create(friendly_name="svc", inbound_request_url=receiver.url("/svc"))
    parent_client.messaging.v1.services(service.sid).phone_numbers.create(phone_number_sid=number.sid)
    inbound(sandbox, "hello")
    assert [r["path"] for r in receiver.requests] == ["/svc"]
    assert receiver.requests[0]["params"]["MessagingServiceSid"] == service.sid
    assert signature_valid(receiver.requests[0], receiver.url("/svc"), sandbox.parent_token)


def test_inbound_to_an_unknown_number_is_404(sandbox):
    with pytest.raises(urllib.error.HTTPError) as caught:
        inbound(sandbox, "hello", to="+19995550000")
    assert caught.value.code == 404
    assert json.loads(caught.value.read())["code"] == 20404


def test_inbound_accepts_json(sandbox, parent_client):
    buy(parent_client, sandbox.parent_sid, phone_number=NUMBER)
    request = urllib.request.Request(f"{sandbox.url}/_sandbox/inbound", method="POST",
                                     data=json.dumps({"From": USER, "To": NUMBER, "Body": "yes"}).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request) as answer:
        assert json.loads(answer.read())["opt_out_type"] == "START"
