"""Twilio's webhooks: signed by the account the request names, idempotent on Twilio's SIDs, statuses never
going backwards, keywords feeding the ledger; anything forged, tampered or unknown gets 403 and changes nothing."""

import pytest
from django.test import Client
from messaging_support import post_signed, run

from owlie_portal.messaging import services
from owlie_portal.messaging.models import Message, OptOut, OptOutEvent, StatusCallback

RECIPIENT = "+14155550123"


@pytest.fixture
def csrf_client():
    return Client(enforce_csrf_checks=True)  # Twilio carries no CSRF token: the webhooks must not need one


def _inbound(sandbox, tenant, number, body, sender=RECIPIENT):
    """The recipient texts the number in the sandbox; returns the params Twilio posts to the portal."""
    answer = sandbox.control("inbound", From=sender, To=number.phone_number, Body=body)
    params = {"MessageSid": answer["message_sid"], "AccountSid": tenant.subaccount_sid, "From": sender,
              "To": number.phone_number, "Body": body, "NumSegments": "1", "SmsStatus": "received",
              "ApiVersion": "2010-04-01"}
    if answer["messaging_service_sid"]:
        params["MessagingServiceSid"] = answer["messaging_service_sid"]
    return params


def test_a_stop_reply_opts_out_once_even_when_the_webhook_is_replayed(
        sandbox, service_with_number, csrf_client):
    tenant, service, number = service_with_number()
    params = _inbound(sandbox, tenant, number, " stop ")

    first = post_signed(csrf_client, "inbound", params, tenant.auth_token)
    replay = post_signed(csrf_client, "inbound", params, tenant.auth_token)

    assert (first.status_code, replay.status_code) == (200, 200)
    optout = OptOut.objects.get(recipient=RECIPIENT)
    assert (optout.tenant, optout.phone_number, optout.service, optout.keyword, optout.message_sid) == (
        tenant, number.phone_number, service, "STOP", params["MessageSid"])
    assert OptOutEvent.objects.count() == 1
    assert Message.objects.filter(direction="inbound").count() == 1


def test_start_opts_back_in_help_is_recorded_and_free_text_is_not_stored(sandbox, service_with_number, csrf_client):
    tenant, _, number = service_with_number()
    for body in ("STOP", "HELP", "yes", "Call me about my order 4471"):
        post_signed(csrf_client, "inbound", _inbound(sandbox, tenant, number, body), tenant.auth_token)

    assert not OptOut.objects.get(recipient=RECIPIENT).opted_out
    assert list(OptOutEvent.objects.order_by("id").values_list("action", flat=True)) == ["opt_out", "help", "opt_in"]
    assert Message.objects.filter(body=Message.REDACTED).count() == 1


@pytest.mark.parametrize("tamper", ["forged", "tampered", "unknown_account", "wrong_account_token"])
def test_forged_tampered_or_unknown_account_webhooks_get_403_and_change_nothing(
        sandbox, messaging_tenants, service_with_number, csrf_client, tamper):
    tenant, _, number = service_with_number()
    [other] = messaging_tenants(1)
    params = _inbound(sandbox, tenant, number, "STOP")
    if tamper == "forged":
        answer = post_signed(csrf_client, "inbound", params, tenant.auth_token, signature="bm90IGEgc2lnbmF0dXJl")
    elif tamper == "tampered":
        signed_for = dict(params)
        params["From"] = "+14155550999"
        from twilio_sandbox.delivery import sign
        from django.conf import settings
        answer = post_signed(csrf_client, "inbound", params, "", signature=sign(
            settings.TWILIO_WEBHOOK_BASE_URL + "/twilio/inbound/", signed_for, tenant.auth_token))
    elif tamper == "unknown_account":
        params["AccountSid"] = "AC" + "9" * 32
        answer = post_signed(csrf_client, "inbound", params, tenant.auth_token)
    else:  # signed with another tenant's token while naming this tenant
        answer = post_signed(csrf_client, "inbound", params, other.auth_token)

    assert answer.status_code == 403
    assert not OptOut.objects.exists() and not OptOutEvent.objects.exists()
    assert not Message.objects.filter(direction="inbound").exists()


def test_status_callbacks_are_idempotent_and_never_move_a_message_backwards(
        sandbox, service_with_number, support_user, csrf_client):
    tenant, service, _ = service_with_number()
    message = services.message_send(tenant=tenant, service=service, to=RECIPIENT, body="Hi there",
                                    requested_by=support_user)
    run(message.operation, services.operation_run_message_send)
    message.refresh_from_db()

    def callback(status, **extra):
        params = {"MessageSid": message.sid, "MessageStatus": status, "AccountSid": tenant.subaccount_sid,
                  "To": RECIPIENT, **extra}
        return post_signed(csrf_client, "status", params, tenant.auth_token).status_code

    assert callback("delivered") == 204
    assert callback("sent") == 204          # late, out of order
    assert callback("delivered") == 204     # replayed
    message.refresh_from_db()
    assert message.status == "delivered"
    assert StatusCallback.objects.filter(message_sid=message.sid).count() == 2
    forged = post_signed(csrf_client, "status", {"MessageSid": message.sid, "MessageStatus": "failed",
                                                 "AccountSid": tenant.subaccount_sid}, "0" * 32)
    assert forged.status_code == 403
    message.refresh_from_db()
    assert message.status == "delivered"


def test_only_post_is_accepted(client):
    assert client.get("/twilio/inbound/").status_code == 405


def test_history_keeps_opt_out_opt_in_and_opt_out_again_with_one_current_entry(
        sandbox, service_with_number, csrf_client):
    tenant, _, number = service_with_number()
    for body in ("STOP", "START", "Unsubscribe"):
        post_signed(csrf_client, "inbound", _inbound(sandbox, tenant, number, body), tenant.auth_token)

    [current] = OptOut.objects.all()
    assert current.opted_out and current.keyword == "UNSUBSCRIBE" and current.opted_in_at is not None
    assert list(OptOutEvent.objects.order_by("id").values_list("action", flat=True)) == [
        "opt_out", "opt_in", "opt_out"]
