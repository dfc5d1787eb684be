"""Shared setup for the move tests: numbers that really exist in the sandbox, and runs of the move task."""

from __future__ import annotations

from owlie_portal.messaging.models import MessagingService
from owlie_portal.numbers.models import PhoneNumber
from owlie_portal.numbers.services import operation_run_number_transfer
from owlie_portal.operations.models import Operation

TRANSFER = "POST /2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers/{Sid}.json"
FETCH = "GET /2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers/{Sid}.json"
SERVICE_ADD = "POST /v1/Services/{ServiceSid}/PhoneNumbers"
SERVICE_REMOVE = "DELETE /v1/Services/{ServiceSid}/PhoneNumbers/{Sid}"


def buy(sandbox, tenant=None, *, voice_url="https://example.com/voice", sms_url="https://example.com/sms",
        address_requirements="none") -> PhoneNumber:
    """A number bought at the sandbox into the tenant (None: the parent) and its inventory row."""
    account = tenant.subaccount_sid if tenant else sandbox.parent_sid
    bought = sandbox.client().api.v2010.accounts(account).incoming_phone_numbers.create(
        area_code="415", voice_url=voice_url, sms_url=sms_url)
    return PhoneNumber.objects.create(sid=bought.sid, phone_number=bought.phone_number, tenant=tenant,
                                      voice_url=voice_url, sms_url=sms_url, address_requirements=address_requirements)


def service(sandbox, tenant, *, default=True, numbers=()) -> MessagingService:
    """A Messaging Service of the tenant's subaccount (made with its own credentials) holding `numbers`."""
    client = sandbox.client(tenant.subaccount_sid, tenant.auth_token)
    made = client.messaging.v1.services.create(friendly_name=f"{tenant.name} main")
    for number in numbers:
        client.messaging.v1.services(made.sid).phone_numbers.create(phone_number_sid=number.sid)
    row = MessagingService.objects.create(sid=made.sid, tenant=tenant, friendly_name=made.friendly_name,
                                          is_default=default)
    PhoneNumber.objects.filter(sid__in=[n.sid for n in numbers]).update(messaging_service=row)
    return row


def owner_at_twilio(sandbox, number) -> str:
    return sandbox.sandbox.store.numbers[number.sid].account_sid


def service_at_twilio(sandbox, number) -> str | None:
    return sandbox.sandbox.store.numbers[number.sid].service_sid


def requests_to(sandbox, endpoint: str) -> int:
    return sandbox.sandbox.stats.to_json()["requests"].get(endpoint, 0)


def run_until_final(operation_id: int, *, attempts: int = 6) -> Operation:
    """Run the task's work the way Celery's retries would (each call is one attempt), until final."""
    for _ in range(attempts):
        try:
            operation_run_number_transfer(operation_id=operation_id)
        except Exception:  # noqa: BLE001 - transient/ambiguous errors are what the retry is for
            pass
        operation = Operation.objects.get(pk=operation_id)
        if operation.is_final:
            return operation
    return Operation.objects.get(pk=operation_id)
