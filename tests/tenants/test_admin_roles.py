"""What each role may do in the tenants admin; a forged request for a missing permission changes nothing."""

import pytest
from celery.signals import before_task_publish
from django.contrib.messages import get_messages
from django.urls import reverse

from factories import TenantFactory
from owlie_portal.operations.models import Batch, Operation
from owlie_portal.tenants.models import Tenant

pytestmark = pytest.mark.django_db
TENANTS = reverse("admin:tenants_tenant_changelist")
LIFECYCLE = {"suspend_selected", "reactivate_selected", "close_selected"}


def _actions(response) -> set[str]:
    assert response.status_code == 200
    return {name for name, _ in response.context["action_form"].fields["action"].choices if name}


def _tenant_page(client, tenant) -> str:
    response = client.get(reverse("admin:tenants_tenant_change", args=[tenant.pk]))
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def published():
    """Names of the Celery tasks sent to the broker while the test runs."""
    names = []

    def record(sender=None, **kwargs):
        names.append(sender)

    before_task_publish.connect(record, weak=False)
    yield names
    before_task_publish.disconnect(record)


def test_support_staff_see_the_lifecycle_actions_and_buttons(client, support_user):
    tenant = TenantFactory(name="Falcon Flights")
    client.force_login(support_user)

    assert LIFECYCLE <= _actions(client.get(TENANTS))
    page = _tenant_page(client, tenant)
    assert 'data-action="suspend_selected"' in page and 'data-action="close_selected"' in page
    assert 'data-action="reactivate_selected"' not in page  # only offered for a suspended tenant


def test_account_managers_see_tenants_but_cannot_run_lifecycle_actions(client, manager_user, published):
    tenant = TenantFactory(name="Falcon Flights")
    client.force_login(manager_user)

    listing = client.get(TENANTS)
    assert "Falcon Flights" in listing.content.decode()
    assert not LIFECYCLE & _actions(listing)
    page = _tenant_page(client, tenant)
    assert "data-action=" not in page and "Suspend…" not in page and "Close…" not in page

    forged = client.post(TENANTS, {"action": "suspend_selected", "select_across": 0, "confirm": "yes",
                                   "reason": "fraud", "_selected_action": [tenant.pk]})

    assert forged.status_code == 302  # Django's "No action selected." back to the list
    assert "No action selected." in [str(m) for m in get_messages(forged.wsgi_request)]
    assert not Operation.objects.exists() and not Batch.objects.exists()
    tenant.refresh_from_db()
    assert tenant.status == Tenant.Status.ACTIVE
    assert published == []


def test_account_managers_cannot_add_or_sync_tenants(client, manager_user, published):
    client.force_login(manager_user)

    assert client.get(reverse("admin:tenants_tenant_add")).status_code == 403
    assert client.post(reverse("admin:tenants_tenant_sync")).status_code == 403
    assert published == []


def test_support_staff_forging_the_administrators_only_assign_action_change_nothing(
        client, support_user, manager_user, published):
    tenant = TenantFactory(name="Falcon Flights", account_manager=None)
    client.force_login(support_user)

    assert "assign_account_manager" not in _actions(client.get(TENANTS))
    forged = client.post(TENANTS, {"action": "assign_account_manager", "select_across": 0, "confirm": "yes",
                                   "account_manager": manager_user.pk, "_selected_action": [tenant.pk]})

    assert forged.status_code == 302
    assert "No action selected." in [str(m) for m in get_messages(forged.wsgi_request)]
    tenant.refresh_from_db()
    assert tenant.account_manager is None
    assert published == []


def test_administrators_assign_an_account_manager_after_confirming(client, admin_user_role, manager_user):
    tenants = TenantFactory.create_batch(3, account_manager=None)
    client.force_login(admin_user_role)
    selection = {"action": "assign_account_manager", "_selected_action": [t.pk for t in tenants]}

    confirm_page = client.post(TENANTS, selection)
    assert confirm_page.status_code == 200 and "Assign an account manager" in confirm_page.content.decode()
    assert not Tenant.objects.filter(account_manager=manager_user).exists()

    done = client.post(TENANTS, {**selection, "confirm": "yes", "account_manager": manager_user.pk})

    assert done.status_code == 302
    assert Tenant.objects.filter(account_manager=manager_user).count() == 3


def test_account_managers_posting_the_import_url_get_403_and_nothing_is_enqueued(client, manager_user, published):
    client.force_login(manager_user)

    response = client.post(reverse("admin:tenants_tenant_import"))

    assert response.status_code == 403
    assert published == []
    assert not Tenant.objects.exists()


def test_support_staff_cannot_open_user_management(client, support_user):
    client.force_login(support_user)

    assert client.get("/admin/auth/user/").status_code == 403
    assert client.get("/admin/auth/group/").status_code == 403


def test_support_staff_see_the_sync_and_import_buttons(client, support_user):
    client.force_login(support_user)

    page = client.get(TENANTS).content.decode()

    assert "Import subaccounts from Twilio" in page and "Sync now" in page
