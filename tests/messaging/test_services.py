"""Messaging Services in a tenant's subaccount: created with its own credentials, numbers of the same tenant
only, bulk adds, the default, and sync with drift recorded."""

import re

import pytest
from messaging_support import run
from django.conf import settings

from owlie_portal.errors import DomainError
from owlie_portal.messaging import services
from owlie_portal.messaging.models import MessagingService, ServiceDrift
from owlie_portal.numbers.models import PhoneNumber
from owlie_portal.operations.models import Operation


def test_a_service_is_created_in_the_tenants_subaccount_with_the_portals_webhooks_and_settings(
        sandbox, messaging_tenants, support_user):
    [tenant] = messaging_tenants(1)
    op = services.service_create(tenant=tenant, friendly_name="condorCargoNotifications", requested_by=support_user,
                                 sticky_sender=False, area_code_geomatch=False, validity_period=600)
    op = run(op, services.operation_run_service_create)

    assert op.state == Operation.State.SUCCEEDED
    at_twilio = sandbox.sandbox.store.services[op.result_sid]
    assert at_twilio.account_sid == tenant.subaccount_sid  # not the parent's
    assert at_twilio.inbound_request_url == settings.TWILIO_WEBHOOK_BASE_URL + "/twilio/inbound/"
    assert at_twilio.status_callback == settings.TWILIO_WEBHOOK_BASE_URL + "/twilio/status/"
    assert (at_twilio.sticky_sender, at_twilio.area_code_geomatch, at_twilio.validity_period) == (False, False, 600)
    service = MessagingService.objects.get(sid=op.result_sid)
    assert service.tenant == tenant and service.is_default  # a tenant's first service is its default
    assert (service.sticky_sender, service.validity_period) == (False, 600)


def test_a_second_service_with_the_same_name_or_in_a_suspended_tenant_is_refused(
        sandbox, service_with_number, support_user):
    tenant, service, _ = service_with_number("alerts")
    with pytest.raises(DomainError, match="already has a Messaging Service named"):
        services.service_create(tenant=tenant, friendly_name="ALERTS", requested_by=support_user)
    tenant.status = tenant.Status.SUSPENDED
    tenant.save()
    with pytest.raises(DomainError, match="suspended"):
        services.service_create(tenant=tenant, friendly_name="other", requested_by=support_user)
    assert Operation.objects.filter(kind="messaging.service_create").count() == 1


def test_a_number_of_another_tenant_added_to_a_service_is_refused_and_changes_nothing(
        sandbox, messaging_tenants, service_with_number, support_user):
    tenant, service, _ = service_with_number()
    [other] = messaging_tenants(1)
    foreign = PhoneNumber.objects.get(tenant=other)
    operations_before = Operation.objects.count()

    with pytest.raises(DomainError, match=re.escape(f"{foreign.phone_number} belongs to {other.name}, not {tenant.name}")):
        services.service_add_number(service=service, number=foreign, requested_by=support_user)

    foreign.refresh_from_db()
    assert foreign.messaging_service is None
    assert Operation.objects.count() == operations_before
    assert sandbox.sandbox.store.numbers[foreign.sid].service_sid is None


def test_bulk_add_refuses_what_cannot_join_and_adds_the_tenants_own_numbers(
        sandbox, messaging_tenants, service_with_number, support_user):
    tenant, service, in_service = service_with_number()
    extra = sandbox.client().api.v2010.accounts(tenant.subaccount_sid).incoming_phone_numbers.create(area_code="212")
    own = PhoneNumber.objects.create(sid=extra.sid, phone_number=extra.phone_number, tenant=tenant)
    foreign = PhoneNumber.objects.get(tenant=messaging_tenants(1)[0])

    batch = services.service_add_numbers(service=service, numbers=[in_service, own, foreign],
                                         requested_by=support_user)

    assert (batch.total, batch.refused) == (1, 2)
    assert "already in" in batch.refused_detail and "belongs to" in batch.refused_detail
    [op] = batch.operations.all()
    assert run(op, services.operation_run_add_number).state == Operation.State.SUCCEEDED
    own.refresh_from_db()
    assert own.messaging_service == service
    assert sandbox.sandbox.store.numbers[own.sid].service_sid == service.sid


def test_a_number_twilio_holds_in_another_service_fails_with_21712_explained(
        sandbox, service_with_number, support_user):
    tenant, service, number = service_with_number()
    # Outside the portal, someone made a second service at Twilio and put the number... the portal's record lags.
    PhoneNumber.objects.filter(pk=number.pk).update(messaging_service=None)
    op = run(services.service_create(tenant=tenant, friendly_name="second", requested_by=support_user),
             services.operation_run_service_create)
    second = MessagingService.objects.get(sid=op.result_sid)
    number.refresh_from_db()

    op = run(services.service_add_number(service=second, number=number, requested_by=support_user),
             services.operation_run_add_number)

    assert (op.state, op.error_code) == (Operation.State.FAILED, 21712)
    assert "one service per number" in op.error_message
    number.refresh_from_db()
    assert number.messaging_service is None


def test_setting_the_default_moves_the_flag_within_the_tenant(sandbox, service_with_number, support_user):
    tenant, first, _ = service_with_number()
    op = run(services.service_create(tenant=tenant, friendly_name="second", requested_by=support_user),
             services.operation_run_service_create)
    second = MessagingService.objects.get(sid=op.result_sid)
    assert not second.is_default

    services.service_set_default(service=second)

    assert list(MessagingService.objects.filter(tenant=tenant, is_default=True)) == [second]


def test_sync_records_drift_without_overwriting_and_follows_twilio_on_membership(
        sandbox, service_with_number, support_user):
    tenant, service, number = service_with_number()
    store = sandbox.sandbox.store
    store.services[service.sid].sticky_sender = False  # changed in Twilio's console
    store.numbers[number.sid].service_sid = None       # and the number taken out there

    op = run(services.services_sync(tenant=tenant, requested_by=support_user), services.operation_run_services_sync)

    assert op.state == Operation.State.SUCCEEDED
    drift = ServiceDrift.objects.get(field="sticky_sender")
    assert (drift.portal_value, drift.twilio_value) == ("True", "False")
    service.refresh_from_db()
    assert service.sticky_sender is True and service.last_synced_at is not None
    number.refresh_from_db()
    assert number.messaging_service is None
    assert ServiceDrift.objects.filter(field__startswith="membership").exists()
    run(services.services_sync(tenant=tenant, requested_by=support_user), services.operation_run_services_sync)
    assert ServiceDrift.objects.filter(field="sticky_sender").count() == 1  # the same drift is not repeated
