"""Buying a phone number into the parent or a tenant's subaccount, as a `number.buy` Operation.

Parent credentials with the subaccount's SID in the path buy straight into the subaccount
(docs/twilio-behaviour.md §5). The number's SMS URL and status callback point at the portal's webhooks.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from owlie_portal.errors import DomainError
from owlie_portal.operations.models import Operation
from owlie_portal.operations.services import operation_enqueue, operation_perform, operation_succeed
from owlie_portal.tenants.models import Tenant
from owlie_portal.twilio_gateway import phone_numbers
from owlie_portal.twilio_gateway.records import AvailableNumberRecord, PhoneNumberRecord
from owlie_portal.validators import normalize_phone_number

from ..kinds import Kind
from ..models import PhoneNumber

INBOUND_PATH = "/twilio/inbound/"
STATUS_PATH = "/twilio/status/"


def webhook_urls() -> tuple[str, str]:
    """(SMS URL, status callback URL) of the portal's webhooks."""
    base = settings.TWILIO_WEBHOOK_BASE_URL
    return base + INBOUND_PATH, base + STATUS_PATH


def account_sid_for(tenant: Tenant | None) -> str:
    return settings.TWILIO_ACCOUNT_SID if tenant is None else tenant.subaccount_sid


def available_numbers_search(*, tenant: Tenant | None, country: str, area_code: str = "", contains: str = "",
                             sms: bool = False, voice: bool = False, limit: int = 20) -> list[AvailableNumberRecord]:
    """Numbers for sale (read only; no Operation). Searched as the account that will own the number."""
    return phone_numbers.available_numbers_search(
        account_sid=settings.TWILIO_ACCOUNT_SID if tenant is None else tenant.subaccount_sid, country=country,
        area_code=area_code, contains=contains, sms=sms, voice=voice, limit=limit)


def _check_buy(tenant: Tenant | None, phone_number: str) -> str:
    try:
        number = normalize_phone_number(phone_number)
    except ValidationError as error:
        raise DomainError(error.messages[0]) from None
    if tenant is not None and (tenant.status != Tenant.Status.ACTIVE or not tenant.subaccount_sid):
        raise DomainError(f"{tenant.name} is {tenant.get_status_display().lower()}: numbers can only be bought "
                          "for an active customer.")
    held = PhoneNumber.objects.filter(phone_number=number).select_related("tenant").first()
    if held is not None:
        owner = "the parent account" if held.tenant is None else held.tenant.name
        raise DomainError(f"{number} is already in the inventory ({owner}); nothing was bought.")
    if Operation.objects.filter(kind=Kind.BUY, state__in=Operation.OPEN_STATES,
                                params__phone_number=number).exists():
        raise DomainError(f"A purchase of {number} is already under way.")
    return number


@transaction.atomic
def number_buy_request(*, tenant: Tenant | None, phone_number: str, requested_by) -> Operation:
    """Ask to buy `phone_number` for `tenant` (None: the parent). Refused with a sentence; nothing written then."""
    number = _check_buy(tenant, phone_number)
    if tenant is not None:  # serialise with status changes of the same tenant
        Tenant.objects.select_for_update().filter(pk=tenant.pk).only("pk").first()
    return operation_enqueue(kind=Kind.BUY, tenant=tenant, requested_by=requested_by,
                             params={"phone_number": number, "account_sid": account_sid_for(tenant)})


def _record_bought(operation: Operation, bought: PhoneNumberRecord) -> None:
    tenant = operation.tenant
    with transaction.atomic():
        if not operation_succeed(operation, result_sid=bought.sid,
                                 result={"phone_number": bought.phone_number, "account_sid": bought.account_sid}):
            return
        PhoneNumber.objects.update_or_create(sid=bought.sid, defaults={
            "phone_number": bought.phone_number, "tenant": tenant, "friendly_name": bought.friendly_name,
            "status": PhoneNumber.Status.ACTIVE, "sms_capable": bought.sms, "mms_capable": bought.mms,
            "voice_capable": bought.voice, "sms_url": bought.sms_url, "sms_method": bought.sms_method or "POST",
            "voice_url": bought.voice_url, "voice_method": bought.voice_method or "POST",
            "status_callback": bought.status_callback, "address_requirements": bought.address_requirements,
            "last_synced_at": timezone.now()})


def _buy(operation: Operation) -> None:
    account_sid, number = operation.params["account_sid"], operation.params["phone_number"]
    # After a lost answer the number may already be ours: look in the target account before buying again.
    bought = phone_numbers.number_find(account_sid=account_sid, phone_number=number) if operation.attempts > 1 else None
    if bought is None:
        sms_url, status_callback = webhook_urls()
        bought = phone_numbers.number_buy(account_sid=account_sid, phone_number=number, sms_url=sms_url,
                                          status_callback=status_callback)
    _record_bought(operation, bought)


def operation_run_number_buy(*, operation_id: int) -> None:
    """Perform a queued number.buy Operation (reconciles after a lost answer)."""
    operation_perform(operation_id=operation_id, work=_buy)
