"""Lifecycle actions and the add form through the real admin: confirmation first, then services, then the
worker against the sandbox. Nothing here is mocked; assertions read our database and the sandbox."""

import re

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils.html import escape

from factories import TenantFactory
from owlie_portal.numbers.models import PhoneNumber
from owlie_portal.operations.models import Batch, Operation
from owlie_portal.tenants.models import Tenant
from owlie_portal.tenants.kinds import Kind

Status = Tenant.Status
CHANGELIST = reverse("admin:tenants_tenant_changelist")


def _select(client, action, tenants):
    """What the changelist's Go button posts: the action and the ticked rows."""
    return client.post(CHANGELIST, {"action": action, "index": 0, "_selected_action": [t.pk for t in tenants]})


def _confirm(client, action, tenants, **fields):
    """What the confirmation page re-posts: the selection, confirm=yes and its form's fields."""
    data = {"action": action, "select_across": 0, "confirm": "yes",
            "_selected_action": [t.pk for t in tenants], **fields}
    return client.post(CHANGELIST, data)


def _sandbox_status(sandbox, tenant) -> str:
    return str(sandbox.client().api.v2010.accounts(tenant.subaccount_sid).fetch().status)


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def _nothing_happened():
    return not Operation.objects.exists() and not Batch.objects.exists()


def test_suspend_without_confirm_renders_the_confirmation_page_and_changes_nothing(
        client, support_user, sandbox, sandbox_tenants):
    tenants = sandbox_tenants(2)
    client.force_login(support_user)

    response = _select(client, "suspend_selected", tenants)

    assert response.status_code == 200
    assert "admin/owlie/confirm_action.html" in [t.name for t in response.templates]
    page = response.content.decode()
    for tenant in tenants:
        assert escape(tenant.name) in page and tenant.subaccount_sid in page
    assert 'name="reason"' in page and 'name="confirm" value="yes"' in page
    assert _nothing_happened()
    assert [_sandbox_status(sandbox, t) for t in tenants] == ["active", "active"]
    assert set(Tenant.objects.values_list("status", flat=True)) == {Status.ACTIVE}


def test_suspend_confirmed_without_a_reason_shows_the_form_error_and_changes_nothing(
        client, support_user, sandbox_tenants):
    [tenant] = sandbox_tenants(1)
    client.force_login(support_user)

    response = _confirm(client, "suspend_selected", [tenant], reason="")

    assert response.status_code == 200
    assert response.context["form"].errors["reason"]
    assert _nothing_happened()


@pytest.mark.slow
def test_suspending_one_tenant_queues_one_operation_and_the_worker_suspends_it_at_twilio(
        celery_worker, client, support_user, sandbox, sandbox_tenants, wait_until):
    [tenant] = sandbox_tenants(1)
    client.force_login(support_user)

    response = _confirm(client, "suspend_selected", [tenant], reason="non_payment", note="INV-1042 unpaid")

    assert response.status_code == 302
    assert response.url == reverse("admin:tenants_tenant_change", args=[tenant.pk])
    operation = Operation.objects.get()
    assert (operation.kind, operation.tenant_id, operation.batch_id) == (Kind.SUBACCOUNT_SUSPEND, tenant.pk, None)
    assert not Batch.objects.exists()
    wait_until(lambda: Operation.objects.get(pk=operation.pk).is_final, message="the suspend to finish")
    operation.refresh_from_db()
    tenant.refresh_from_db()
    assert operation.state == Operation.State.SUCCEEDED
    assert (tenant.status, tenant.suspension_reason, tenant.suspension_note) == (
        Status.SUSPENDED, "non_payment", "INV-1042 unpaid")
    assert _sandbox_status(sandbox, tenant) == "suspended"


def test_bulk_suspend_makes_one_batch_with_an_operation_per_tenant_and_names_the_refused(
        client, support_user, sandbox_tenants):
    tenants = sandbox_tenants(3)
    closed = TenantFactory(name="Closed Crows", status=Status.CLOSED)
    provisioning = TenantFactory(name="Pending Pelicans", status=Status.PROVISIONING, subaccount_sid=None)
    client.force_login(support_user)

    response = _confirm(client, "suspend_selected", [*tenants, closed, provisioning], reason="fraud")

    batch = Batch.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("admin:operations_batch_progress", args=[batch.pk])
    assert (batch.total, batch.refused) == (3, 2)
    assert "Closed Crows" in batch.refused_detail and "Pending Pelicans" in batch.refused_detail
    operations = Operation.objects.filter(batch=batch)
    assert sorted(operations.values_list("tenant_id", flat=True)) == sorted(t.pk for t in tenants)
    assert {(o.kind, o.state, o.params["reason"]) for o in operations} == {
        (Kind.SUBACCOUNT_SUSPEND, Operation.State.QUEUED, "fraud")}
    assert Operation.objects.count() == 3
    [message] = _messages(response)
    assert "2 refused" in message and "Closed Crows" in message and "Pending Pelicans" in message


def test_reactivating_a_closed_tenant_is_refused_with_a_clear_sentence_and_changes_nothing(
        client, support_user):
    closed = TenantFactory(name="Closed Crows", status=Status.CLOSED)
    client.force_login(support_user)

    for response in (_select(client, "reactivate_selected", [closed]),
                     _confirm(client, "reactivate_selected", [closed])):
        assert response.status_code == 200
        assert "Closed Crows is closed. Closing a Twilio subaccount is final, so it cannot be reactivated." \
            in response.content.decode()
    assert _nothing_happened()
    closed.refresh_from_db()
    assert closed.status == Status.CLOSED


def test_closing_requires_typing_the_customer_name(client, support_user):
    tenant = TenantFactory(name="Falcon Flights")
    client.force_login(support_user)

    confirmation = _select(client, "close_selected", [tenant])
    assert "This cannot be undone." in confirmation.content.decode()
    assert 'name="typed"' in confirmation.content.decode()

    wrong = _confirm(client, "close_selected", [tenant], typed="falcon flights")
    assert wrong.status_code == 200
    assert "Type exactly “Falcon Flights” to confirm." in wrong.context["form"].errors["typed"]
    assert _nothing_happened()

    right = _confirm(client, "close_selected", [tenant], typed="Falcon Flights")
    assert right.status_code == 302
    assert right.url == reverse("admin:tenants_tenant_change", args=[tenant.pk])
    operation = Operation.objects.get()
    assert (operation.kind, operation.tenant_id, operation.batch_id) == (Kind.SUBACCOUNT_CLOSE, tenant.pk, None)


def test_closing_a_tenant_with_numbers_lists_them_and_moves_them_to_the_parent_unless_unticked(
        client, support_user):
    tenant = TenantFactory(name="Falcon Flights")
    for n, e164 in enumerate(["+14155550101", "+14155550102"]):
        PhoneNumber.objects.create(sid=f"PN{n:032x}", phone_number=e164, tenant=tenant)
    client.force_login(support_user)

    page = _select(client, "close_selected", [tenant]).content.decode()

    assert "Phone numbers the subaccount holds" in page
    assert "+14155550101 — Falcon Flights" in page and "+14155550102 — Falcon Flights" in page
    assert re.search(r'<input type="checkbox" name="move_numbers_first"[^>]* checked', page)
    assert _nothing_happened()

    response = _confirm(client, "close_selected", [tenant], typed="Falcon Flights", move_numbers_first="on")

    assert response.status_code == 302
    operation = Operation.objects.get()
    assert (operation.kind, operation.params) == (Kind.SUBACCOUNT_CLOSE, {"move_numbers_first": True})
    # Unticked (the box is simply not posted) the person chose to let Twilio release them.
    other = TenantFactory(name="Gull Goods")
    _confirm(client, "close_selected", [other], typed="Gull Goods")
    assert Operation.objects.get(tenant=other).params == {"move_numbers_first": False}


def test_the_add_form_creates_a_provisioning_tenant_through_the_service(client, admin_user_role, manager_user):
    client.force_login(admin_user_role)

    response = client.post(reverse("admin:tenants_tenant_add"),
                           {"name": "Falcon Flights", "external_ref": "C-100", "account_manager": manager_user.pk})

    tenant = Tenant.objects.get(external_ref="C-100")
    assert response.status_code == 302
    assert response.url == reverse("admin:tenants_tenant_change", args=[tenant.pk])
    assert (tenant.name, tenant.status, tenant.account_manager) == ("Falcon Flights", Status.PROVISIONING, manager_user)
    assert tenant.friendly_name == tenant.twilio_friendly_name()
    operation = Operation.objects.get()
    assert (operation.kind, operation.state, operation.tenant_id) == (
        Kind.SUBACCOUNT_CREATE, Operation.State.QUEUED, tenant.pk)
    assert operation.requested_by == admin_user_role


def test_the_add_form_refuses_a_duplicate_external_reference(client, support_user):
    TenantFactory(external_ref="C-100")
    client.force_login(support_user)

    response = client.post(reverse("admin:tenants_tenant_add"), {"name": "Falcon Flights", "external_ref": "C-100"})

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["external_ref"]
    assert Tenant.objects.count() == 1 and not Operation.objects.exists()


@pytest.mark.slow
def test_a_tenant_added_in_the_admin_becomes_active_with_a_subaccount_in_the_sandbox(
        celery_worker, client, support_user, sandbox, wait_until):
    client.force_login(support_user)

    client.post(reverse("admin:tenants_tenant_add"), {"name": "Falcon Flights", "external_ref": "C-100"})

    tenant = Tenant.objects.get(external_ref="C-100")
    wait_until(lambda: Tenant.objects.get(pk=tenant.pk).status == Status.ACTIVE, message="the tenant to be active")
    tenant.refresh_from_db()
    account = sandbox.client().api.v2010.accounts(tenant.subaccount_sid).fetch()
    assert (account.status, account.friendly_name) == ("active", tenant.friendly_name)
    page = client.get(reverse("admin:tenants_tenant_change", args=[tenant.pk])).content.decode()
    assert 'id="owlie-status" class="owlie-status owlie-status-active">Active<' in page
