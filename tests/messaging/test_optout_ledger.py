"""The opt-out ledger: it follows numbers between accounts (the seed's scenario), answers what travels with
a number, and imports CSV files all or nothing."""

import re

import pytest
from django.test import Client
from messaging_support import post_signed, run

from owlie_portal.errors import DomainError
from owlie_portal.messaging import selectors, services
from owlie_portal.messaging.models import Message, OptOut, OptOutEvent
from owlie_portal.numbers.kinds import Kind as NumberKind
from owlie_portal.numbers.models import PhoneNumber
from owlie_portal.numbers.services import operation_run_number_transfer
from owlie_portal.operations.models import Operation
from owlie_portal.operations.services import operation_enqueue

RECIPIENT = "+14155550123"


def test_a_stop_to_a_parent_number_keeps_protecting_the_recipient_after_the_number_moves_to_falcon_flights(
        sandbox, messaging_tenants, support_user):
    [falcon] = messaging_tenants(1, name="Falcon Flights")
    PhoneNumber.objects.filter(tenant=falcon).delete()  # Falcon Flights starts with only the moved number
    bought = sandbox.client().incoming_phone_numbers.create(area_code="415")
    parent_number = PhoneNumber.objects.create(sid=bought.sid, phone_number=bought.phone_number, tenant=None)
    # 1. The recipient texts STOP to the parent's number; Twilio posts it, signed with the parent's token.
    answer = sandbox.control("inbound", From=RECIPIENT, To=bought.phone_number, Body="STOP")
    assert post_signed(Client(), "inbound", {"MessageSid": answer["message_sid"], "AccountSid": sandbox.parent_sid,
                                             "From": RECIPIENT, "To": bought.phone_number, "Body": "STOP"},
                       sandbox.parent_token).status_code == 200
    # 2. The number moves to Falcon Flights (the numbers app's transfer Operation; its dry-run page is n2's).
    move = operation_enqueue(kind=NumberKind.TRANSFER, tenant=falcon, target_sid=bought.sid, requested_by=support_user,
                             params={"from": sandbox.parent_sid, "to": falcon.subaccount_sid,
                                     "phone_number": bought.phone_number})
    assert run(move, operation_run_number_transfer).state == Operation.State.SUCCEEDED
    parent_number.refresh_from_db()
    assert parent_number.tenant == falcon
    assert [o.recipient for o in selectors.optouts_travelling_with(parent_number)] == [RECIPIENT]
    # 3. Falcon Flights sends through its own service with that number.
    op = run(services.service_create(tenant=falcon, friendly_name="falconFlightsAlerts", requested_by=support_user),
             services.operation_run_service_create)
    service = falcon.messaging_services.get(sid=op.result_sid)
    run(services.service_add_number(service=service, number=parent_number, requested_by=support_user),
        services.operation_run_add_number)

    message = services.message_send(tenant=falcon, service=service, to=RECIPIENT, body="Your flight boards at 9",
                                    requested_by=support_user)

    assert message.status == Message.Status.SUPPRESSED and message.operation is None
    assert f"replied STOP to {bought.phone_number}" in message.error_message
    # Twilio keeps the STOP with the parent account: the sandbox, like Twilio, would have delivered it.
    client = sandbox.client(falcon.subaccount_sid, falcon.auth_token)
    assert client.messages.create(to=RECIPIENT, messaging_service_sid=service.sid, body="x").status == "accepted"


def test_an_opt_out_of_another_tenant_on_a_number_it_does_not_hold_never_blocks(
        sandbox, messaging_tenants, service_with_number, support_user):
    tenant, service, _ = service_with_number()
    [other] = messaging_tenants(1)
    services.optout_record(tenant=other, recipient=RECIPIENT, action="opt_out", source="inbound",
                           phone_number=PhoneNumber.objects.get(tenant=other).phone_number, keyword="STOP",
                           message_sid="SM" + "1" * 32)
    assert selectors.optout_blocking(tenant=tenant, recipient=RECIPIENT) is None
    assert selectors.optout_blocking(tenant=other, recipient=RECIPIENT) is not None


def test_a_csv_with_bad_rows_is_rejected_whole_naming_each_row(sandbox, messaging_tenants, support_user):
    [tenant] = messaging_tenants(1)
    text = "recipient\n+14155550100\n415-555-0101\nnot a number\n\n+14155550102\n"
    with pytest.raises(DomainError) as refused:
        services.optouts_import(tenant=tenant, text=text, requested_by=support_user)
    lines = refused.value.lines
    assert lines[0].startswith("Row 3: '415-555-0101' is not in E.164 form; write it as +14155550101")
    assert lines[1].startswith("Row 4: 'not a number' is not a valid phone number")
    assert lines[2] == "Row 5: no recipient."
    assert not OptOut.objects.exists() and not OptOutEvent.objects.exists()


def test_a_good_csv_is_imported_and_suppresses_those_recipients(sandbox, service_with_number, support_user):
    tenant, service, _ = service_with_number()
    added = services.optouts_import(tenant=tenant, text="recipient\n+14155550100\n+14155550123\n+14155550100\n",
                                    requested_by=support_user)
    assert added == 2
    message = services.message_send(tenant=tenant, service=service, to=RECIPIENT, body="Hi",
                                    requested_by=support_user)
    assert message.status == Message.Status.SUPPRESSED
    assert re.search(r"opt-out list imported on", message.error_message)


def test_the_admin_lists_exports_and_imports_a_tenants_opt_outs(sandbox, service_with_number, support_user, client):
    tenant, _, number = service_with_number()
    services.optout_record(tenant=None, recipient="+14155550177", action="opt_out", source="inbound",
                           phone_number=number.phone_number, keyword="STOP", message_sid="SM" + "2" * 32)
    client.force_login(support_user)
    upload = __import__("io").BytesIO(b"recipient\n+14155550123\n")
    upload.name = "optouts.csv"
    answer = client.post("/admin/messaging/optout/import/", {"tenant": tenant.pk, "file": upload}, follow=True)
    assert "Imported 1 opt-out for" in answer.content.decode()

    listed = client.get(f"/admin/messaging/optout/?suppressed_for={tenant.pk}&q=%2B1415555").content.decode()
    export = b"".join(client.get(f"/admin/messaging/optout/export/?suppressed_for={tenant.pk}").streaming_content)

    assert "+14155550123" in listed and "+14155550177" in listed  # its own, and the one on a number it holds
    assert b"+14155550123" in export and b"+14155550177" in export

    bad = __import__("io").BytesIO(b"recipient\n+14155550124\nnope\n")
    bad.name = "optouts.csv"
    refused = client.post("/admin/messaging/optout/import/", {"tenant": tenant.pk, "file": bad}).content.decode()
    assert "Row 3: &#x27;nope&#x27; is not a valid phone number" in refused
    assert not OptOut.objects.filter(recipient="+14155550124").exists()
