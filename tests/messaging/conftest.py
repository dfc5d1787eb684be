"""Messaging fixtures: an active tenant whose subaccount really exists in the sandbox, with an API key,
a number, and helpers that post webhooks signed exactly as the sandbox (and Twilio) sign them."""

from __future__ import annotations

import pytest

from owlie_portal.messaging import services
from owlie_portal.messaging.models import MessagingService
from owlie_portal.numbers.models import PhoneNumber
from owlie_portal.operations.models import Operation
from messaging_support import run


@pytest.fixture
def messaging_tenants(sandbox, sandbox_tenants):
    """`messaging_tenants(n)`: active tenants with a stored API key and one SMS number each (in the portal)."""

    def make(count: int, **fields):
        tenants = sandbox_tenants(count, **fields)
        client = sandbox.client()
        for tenant in tenants:
            key = client.api.v2010.accounts(tenant.subaccount_sid).new_keys.create(friendly_name="portal")
            tenant.api_key_sid, tenant.api_key_secret = key.sid, key.secret
            tenant.save()
            number = client.api.v2010.accounts(tenant.subaccount_sid).incoming_phone_numbers.create(area_code="415")
            PhoneNumber.objects.create(sid=number.sid, phone_number=number.phone_number, tenant=tenant)
        return tenants

    return make


@pytest.fixture
def service_with_number(messaging_tenants, support_user):
    """(tenant, service, number): a Messaging Service made through the portal, with the tenant's number in it."""

    def make(name: str = "falconFlightsAlerts", tenant=None):
        tenant = tenant or messaging_tenants(1)[0]
        op = run(services.service_create(tenant=tenant, friendly_name=name, requested_by=support_user),
                 services.operation_run_service_create)
        assert op.state == Operation.State.SUCCEEDED, op.error_message
        service = MessagingService.objects.get(sid=op.result_sid)
        number = PhoneNumber.objects.filter(tenant=tenant).first()
        op = run(services.service_add_number(service=service, number=number, requested_by=support_user),
                 services.operation_run_add_number)
        assert op.state == Operation.State.SUCCEEDED, op.error_message
        number.refresh_from_db()
        return tenant, service, number

    return make


@pytest.fixture(autouse=True)
def webhooks_go_nowhere(settings):
    """The sandbox posts callbacks to the service's URLs: here a closed local port (refused at once), never
    a portal someone runs on this machine. Tests post the signed webhooks themselves."""
    settings.TWILIO_WEBHOOK_BASE_URL = "http://127.0.0.1:9"
