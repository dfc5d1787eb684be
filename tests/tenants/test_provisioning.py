"""Creating a tenant provisions its subaccount through the real worker and the sandbox."""

import pytest
from django.db import connection

from owlie_portal.tenants import services
from owlie_portal.operations.models import Operation
from owlie_portal.tenants.models import Tenant

pytestmark = pytest.mark.slow


def _subaccounts(sandbox):
    client = sandbox.client()
    return [a for a in client.api.v2010.accounts.list() if a.sid != sandbox.parent_sid]


def test_creating_a_tenant_provisions_an_active_subaccount_with_encrypted_credentials(
        celery_worker, sandbox, support_user, wait_until):
    tenant = services.tenant_create(name="Falcon Flights", external_ref="C-1", requested_by=support_user)
    assert tenant.status == Tenant.Status.PROVISIONING

    wait_until(lambda: Tenant.objects.get(pk=tenant.pk).status == Tenant.Status.ACTIVE, message="active tenant")
    tenant.refresh_from_db()
    [account] = _subaccounts(sandbox)
    assert account.sid == tenant.subaccount_sid
    assert account.friendly_name == tenant.friendly_name
    assert tenant.auth_token == account.auth_token
    keys = sandbox.client().api.v2010.accounts(account.sid).keys.list()
    assert [k.sid for k in keys] == [tenant.api_key_sid]
    operation = Operation.objects.get(tenant=tenant)
    assert (operation.kind, operation.state, operation.attempts) == ("subaccount.create", "succeeded", 1)
    assert operation.result_sid == tenant.subaccount_sid
    with connection.cursor() as cursor:  # stored encrypted, never as the token itself
        cursor.execute("select auth_token, api_key_secret from tenants_tenant where id = %s", [tenant.pk])
        raw_token, raw_secret = cursor.fetchone()
    assert tenant.auth_token not in raw_token and raw_token.startswith("gAAAA")
    assert raw_secret.startswith("gAAAA")


def test_the_stored_api_key_authenticates_to_twilio(celery_worker, sandbox, support_user, wait_until):
    tenant = services.tenant_create(name="Heron Health", external_ref="C-2", requested_by=support_user)
    wait_until(lambda: Tenant.objects.get(pk=tenant.pk).status == Tenant.Status.ACTIVE, message="active tenant")
    tenant.refresh_from_db()  # decrypted once by the field: the secret Twilio issued, not its ciphertext

    as_key = sandbox.client(tenant.api_key_sid, tenant.api_key_secret, account_sid=tenant.subaccount_sid)

    assert as_key.api.v2010.accounts(tenant.subaccount_sid).fetch().sid == tenant.subaccount_sid
    assert not tenant.api_key_secret.startswith("gAAAA")


def test_a_create_whose_answer_is_lost_ends_with_exactly_one_subaccount(
        celery_worker, sandbox, support_user, wait_until, settings):
    # The sandbox makes the account, then answers after the client has given up (read timeout).
    settings.TWILIO_HTTP_TIMEOUT = 0.5
    sandbox.sandbox.faults.configure({"p_read_timeout": 1.0, "read_timeout_s": 1.5})
    tenant = services.tenant_create(name="Falcon Flights", external_ref="C-1", requested_by=support_user)
    wait_until(lambda: len(sandbox.sandbox.store.accounts) > 1, message="the first create to land at Twilio")
    sandbox.sandbox.faults.clear()  # later requests are answered normally

    wait_until(lambda: Operation.objects.get(tenant=tenant).is_final, timeout=30, message="operation final")
    operation = Operation.objects.get(tenant=tenant)
    assert operation.state == Operation.State.SUCCEEDED
    assert operation.attempts >= 2
    subaccounts = _subaccounts(sandbox)
    assert len(subaccounts) == 1
    tenant.refresh_from_db()
    assert tenant.status == Tenant.Status.ACTIVE and tenant.subaccount_sid == subaccounts[0].sid


def test_a_duplicate_delivery_of_the_same_task_is_a_no_op(sandbox, transactional_db, support_user):
    tenant = services.tenant_create(name="Falcon Flights", external_ref="C-1", requested_by=support_user)
    operation = Operation.objects.get(tenant=tenant)

    services.operation_run_provision(operation_id=operation.pk)
    services.operation_run_provision(operation_id=operation.pk)  # the broker delivered it twice

    operation.refresh_from_db()
    assert (operation.state, operation.attempts) == (Operation.State.SUCCEEDED, 1)
    assert len(_subaccounts(sandbox)) == 1


def test_a_duplicate_delivered_while_the_first_copy_runs_does_nothing(sandbox, transactional_db, support_user):
    tenant = services.tenant_create(name="Falcon Flights", external_ref="C-1", requested_by=support_user)
    operation = Operation.objects.get(tenant=tenant)
    from owlie_portal.operations.services import operation_claim

    first = operation_claim(operation_id=operation.pk)  # the first copy holds the row
    services.operation_run_provision(operation_id=operation.pk)  # the duplicate arrives meanwhile

    operation.refresh_from_db()
    assert first is not None
    assert (operation.state, operation.attempts) == (Operation.State.RUNNING, 1)
    assert _subaccounts(sandbox) == []  # the duplicate made no Twilio call
