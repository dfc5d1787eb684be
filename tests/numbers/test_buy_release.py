"""Buying and releasing numbers through the portal, against the sandbox; bad input changes nothing."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from owlie_portal.errors import DomainError
from owlie_portal.messaging.models import MessagingService
from owlie_portal.numbers.kinds import Kind
from owlie_portal.numbers.models import PhoneNumber
from owlie_portal.numbers.services import (
    available_numbers_search,
    number_buy_request,
    number_release_request,
    operation_run_number_buy,
    operation_run_number_release,
)
from owlie_portal.operations.models import Operation
from owlie_portal.tenants.models import Tenant

BUY = "POST /2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers.json"


def _requests(sandbox):
    return sandbox.sandbox.stats.to_json()["requests"]


def test_a_number_bought_for_a_tenant_lands_in_its_subaccount_with_the_portal_webhooks(
        sandbox, sandbox_tenants, support_user, settings):
    settings.TWILIO_WEBHOOK_BASE_URL = "https://portal.example"
    [falcon] = sandbox_tenants(1)
    [offer, *_] = available_numbers_search(tenant=falcon, country="US", area_code="415", sms=True)

    operation = number_buy_request(tenant=falcon, phone_number=offer.phone_number, requested_by=support_user)
    operation_run_number_buy(operation_id=operation.pk)

    operation.refresh_from_db()
    assert operation.state == Operation.State.SUCCEEDED and operation.kind == Kind.BUY
    bought = sandbox.sandbox.store.numbers[operation.result_sid]
    assert (bought.account_sid, bought.phone_number) == (falcon.subaccount_sid, offer.phone_number)
    assert (bought.sms_url, bought.status_callback) == ("https://portal.example/twilio/inbound/",
                                                        "https://portal.example/twilio/status/")
    row = PhoneNumber.objects.get(sid=bought.sid)
    assert (row.tenant_id, row.sms_url, row.sms_capable) == (falcon.pk, bought.sms_url, True)


def test_a_retried_buy_finds_the_number_an_earlier_attempt_bought_instead_of_buying_again(
        sandbox, sandbox_tenants, support_user):
    [falcon] = sandbox_tenants(1)
    operation = number_buy_request(tenant=falcon, phone_number="+14155550142", requested_by=support_user)
    # What a lost answer leaves: Twilio bought it, the first attempt never heard back.
    sandbox.client().api.v2010.accounts(falcon.subaccount_sid).incoming_phone_numbers.create(phone_number="+14155550142")
    Operation.objects.filter(pk=operation.pk).update(state=Operation.State.UNKNOWN, attempts=1)
    sandbox.sandbox.stats.reset()

    operation_run_number_buy(operation_id=operation.pk)

    assert Operation.objects.get(pk=operation.pk).state == Operation.State.SUCCEEDED
    assert BUY not in _requests(sandbox)
    assert PhoneNumber.objects.get(phone_number="+14155550142").tenant_id == falcon.pk


def test_buying_a_number_someone_else_just_bought_fails_with_a_sentence_and_changes_nothing(
        sandbox, sandbox_tenants, support_user):
    falcon, other = sandbox_tenants(2)
    [offer, *_] = available_numbers_search(tenant=falcon, country="US", area_code="212")
    operation = number_buy_request(tenant=falcon, phone_number=offer.phone_number, requested_by=support_user)
    taken = sandbox.client().api.v2010.accounts(other.subaccount_sid).incoming_phone_numbers.create(
        phone_number=offer.phone_number)  # someone was faster

    operation_run_number_buy(operation_id=operation.pk)

    operation.refresh_from_db()
    assert (operation.state, operation.error_code) == (Operation.State.FAILED, 21422)
    assert "no longer available" in operation.error_message
    assert not PhoneNumber.objects.exists()
    assert sandbox.sandbox.store.numbers[taken.sid].account_sid == other.subaccount_sid
    assert len(sandbox.sandbox.store.numbers) == 1


@pytest.mark.parametrize("typed", ["12345", "(415) 874-01", "", "+15005550006", "+999123", "not a number"])
def test_malformed_numbers_are_refused_before_any_twilio_call(sandbox, db, support_user, settings, typed):
    settings.TWILIO_ALLOWED_MAGIC_NUMBERS = frozenset()
    sandbox.sandbox.stats.reset()
    with pytest.raises(DomainError, match="phone number|magic test numbers"):
        number_buy_request(tenant=None, phone_number=typed, requested_by=support_user)
    assert not Operation.objects.exists() and _requests(sandbox) == {}


def test_buying_for_a_suspended_tenant_is_refused_and_writes_nothing(sandbox, sandbox_tenants, support_user):
    [tenant] = sandbox_tenants(1, status=Tenant.Status.SUSPENDED)
    with pytest.raises(DomainError, match="suspended"):
        number_buy_request(tenant=tenant, phone_number="+14155550142", requested_by=support_user)
    assert not Operation.objects.exists()


def test_a_number_sid_with_the_wrong_prefix_is_refused(db):
    number = PhoneNumber(sid="MG" + "a" * 32, phone_number="+14158740103")
    with pytest.raises(ValidationError, match="not a valid PN SID"):
        number.full_clean()


def _number_in_service(sandbox, tenant):
    sub = sandbox.client(tenant.subaccount_sid, tenant.auth_token)
    bought = sandbox.client().api.v2010.accounts(tenant.subaccount_sid).incoming_phone_numbers.create(area_code="415")
    service = sub.messaging.v1.services.create(friendly_name="falconAlerts")
    sub.messaging.v1.services(service.sid).phone_numbers.create(phone_number_sid=bought.sid)
    row_service = MessagingService.objects.create(sid=service.sid, tenant=tenant, friendly_name="falconAlerts")
    return PhoneNumber.objects.create(sid=bought.sid, phone_number=bought.phone_number, tenant=tenant,
                                      messaging_service=row_service)


def test_releasing_a_number_in_a_service_is_refused_unless_removal_is_confirmed(sandbox, sandbox_tenants, support_user):
    [falcon] = sandbox_tenants(1)
    number = _number_in_service(sandbox, falcon)

    with pytest.raises(DomainError, match="falconAlerts"):
        number_release_request(number=number, requested_by=support_user)
    assert not Operation.objects.exists() and number.sid in sandbox.sandbox.store.numbers

    operation = number_release_request(number=number, requested_by=support_user, remove_from_service=True)
    operation_run_number_release(operation_id=operation.pk)

    assert Operation.objects.get(pk=operation.pk).state == Operation.State.SUCCEEDED
    assert number.sid not in sandbox.sandbox.store.numbers
    assert not PhoneNumber.objects.filter(pk=number.pk).exists()
    requests = _requests(sandbox)
    assert requests.get("DELETE /v1/Services/{ServiceSid}/PhoneNumbers/{Sid}") == 1, requests


def test_the_release_page_confirms_then_releases_a_parent_number(client, sandbox, db, support_user):
    bought = sandbox.client().api.v2010.accounts(sandbox.parent_sid).incoming_phone_numbers.create(area_code="415")
    number = PhoneNumber.objects.create(sid=bought.sid, phone_number=bought.phone_number)
    client.force_login(support_user)
    url = reverse("admin:numbers_phonenumber_release", args=[number.pk])

    page = client.get(url).content.decode()
    assert "This cannot be undone" in page and bought.phone_number in page
    assert not Operation.objects.exists()

    response = client.post(url, {})
    operation = Operation.objects.get(kind=Kind.RELEASE)
    operation_run_number_release(operation_id=operation.pk)

    assert response.status_code == 302
    assert bought.sid not in sandbox.sandbox.store.numbers and not PhoneNumber.objects.exists()


def test_the_buy_page_searches_confirms_and_queues_a_purchase(client, sandbox, sandbox_tenants, support_user):
    [falcon] = sandbox_tenants(1)
    client.force_login(support_user)
    url = reverse("admin:numbers_phonenumber_buy")

    results = client.get(url, {"tenant": falcon.pk, "country": "US", "number_type": "Local", "area_code": "415"})
    offer = results.context["results"][0].phone_number
    confirm = client.post(url, {"tenant": falcon.pk, "phone_number": offer})
    assert "Yes, buy" in confirm.content.decode() and not Operation.objects.exists()
    response = client.post(url, {"tenant": falcon.pk, "phone_number": offer, "confirm": "yes"})

    operation = Operation.objects.get(kind=Kind.BUY)
    assert response.status_code == 302 and response.url.endswith(f"?tenant={falcon.pk}")
    assert (operation.tenant_id, operation.params["phone_number"], operation.requested_by) == (
        falcon.pk, offer, support_user)
