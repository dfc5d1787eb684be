"""Sending through a tenant's service: as the subaccount's API key, every send an Operation, bad input
refused before anything is written, and a 21610 answer teaching the ledger."""

import re

import pytest
from messaging_support import run

from owlie_portal.errors import DomainError
from owlie_portal.messaging import services
from owlie_portal.messaging.models import Message, OptOut
from owlie_portal.operations.models import Operation
from owlie_portal.tenants.models import Tenant

RECIPIENT = "+14155550123"


def test_a_test_message_goes_out_through_the_service_authenticated_by_the_subaccounts_api_key(
        sandbox, service_with_number, support_user):
    tenant, service, number = service_with_number()
    # The portal's copy of the auth token no longer works: only the API key can make this send succeed.
    Tenant.objects.filter(pk=tenant.pk).update(auth_token="f" * 32)
    tenant.refresh_from_db()

    message = services.message_send(tenant=tenant, service=service, to="(415) 555-0123", body="Hi there",
                                    requested_by=support_user)
    op = run(message.operation, services.operation_run_message_send)

    assert (op.kind, op.state) == ("messaging.message_send", Operation.State.SUCCEEDED)
    message.refresh_from_db()
    at_twilio = sandbox.sandbox.store.messages[message.sid]
    assert at_twilio.account_sid == tenant.subaccount_sid
    assert at_twilio.messaging_service_sid == service.sid
    assert (message.to_number, message.body, message.status) == (RECIPIENT, "Hi there", "accepted")
    assert message.tenant == tenant and message.service == service


@pytest.mark.parametrize("to, body, error", [
    (RECIPIENT, "x" * 1601, "1,601 characters long; Twilio's limit is 1,600"),
    ("12345", "Hi", "is not a valid phone number"),
    ("+442071838750", "Hi", "is not a mobile number"),
    (RECIPIENT, "   ", "The message is empty"),
])
def test_bad_input_is_refused_with_a_clear_error_and_nothing_is_written(
        sandbox, service_with_number, support_user, to, body, error):
    tenant, service, _ = service_with_number()
    operations_before = Operation.objects.count()
    with pytest.raises(DomainError, match=re.escape(error)):
        services.message_send(tenant=tenant, service=service, to=to, body=body, requested_by=support_user)
    assert Message.objects.count() == 0
    assert Operation.objects.count() == operations_before


def test_a_service_of_another_tenant_or_a_suspended_tenant_cannot_send(
        sandbox, messaging_tenants, service_with_number, support_user):
    tenant, service, _ = service_with_number()
    [other] = messaging_tenants(1)
    with pytest.raises(DomainError, match="belongs to another tenant"):
        services.message_send(tenant=other, service=service, to=RECIPIENT, body="Hi", requested_by=support_user)
    Tenant.objects.filter(pk=tenant.pk).update(status=Tenant.Status.SUSPENDED)
    tenant.refresh_from_db()
    service.tenant = tenant
    with pytest.raises(DomainError, match="is suspended; the portal sends messages only for active tenants"):
        services.message_send(tenant=tenant, service=service, to=RECIPIENT, body="Hi", requested_by=support_user)
    assert Message.objects.count() == 0
    assert not Operation.objects.filter(kind="messaging.message_send").exists()


def test_twilio_refusing_with_21610_records_an_opt_out_and_later_sends_are_suppressed(
        sandbox, service_with_number, support_user):
    tenant, service, _ = service_with_number()
    unsubscribed = "+15005550004"  # the sandbox (like Twilio's test credentials) answers 21610 for it

    message = services.message_send(tenant=tenant, service=service, to=unsubscribed, body="Hi",
                                    requested_by=support_user)
    op = run(message.operation, services.operation_run_message_send)

    assert (op.state, op.error_code) == (Operation.State.FAILED, 21610)
    message.refresh_from_db()
    assert (message.status, message.error_code) == ("failed", 21610)
    assert OptOut.objects.get(recipient=unsubscribed, tenant=tenant).source == OptOut.Source.TWILIO
    again = services.message_send(tenant=tenant, service=service, to=unsubscribed, body="Hi",
                                  requested_by=support_user)
    assert again.status == Message.Status.SUPPRESSED and again.operation is None
    assert "21610" in again.error_message


def test_a_send_whose_answer_was_lost_is_found_at_twilio_on_retry_and_never_sent_twice(
        sandbox, service_with_number, support_user, settings):
    tenant, service, _ = service_with_number()
    message = services.message_send(tenant=tenant, service=service, to=RECIPIENT, body="Hi there",
                                    requested_by=support_user)
    settings.TWILIO_HTTP_TIMEOUT = 0.5
    sandbox.sandbox.faults.configure({"p_read_timeout": 1.0, "read_timeout_s": 1.5})
    op = run(message.operation, services.operation_run_message_send)  # Twilio sends it; the answer is lost
    assert op.state == Operation.State.UNKNOWN
    sandbox.sandbox.faults.clear()

    op = run(op, services.operation_run_message_send)

    assert op.state == Operation.State.SUCCEEDED
    sent = [m for m in sandbox.sandbox.store.messages.values() if m.to == RECIPIENT]
    assert len(sent) == 1
    message.refresh_from_db()
    assert message.sid == sent[0].sid


def test_removing_a_number_takes_it_out_of_the_service_at_twilio_and_in_the_portal(
        sandbox, service_with_number, support_user):
    tenant, service, number = service_with_number()
    op = run(services.service_remove_number(service=service, number=number, requested_by=support_user),
             services.operation_run_remove_number)
    assert op.state == Operation.State.SUCCEEDED
    number.refresh_from_db()
    assert number.messaging_service is None
    assert sandbox.sandbox.store.numbers[number.sid].service_sid is None
    with pytest.raises(DomainError, match="is not in"):
        services.service_remove_number(service=service, number=number, requested_by=support_user)
