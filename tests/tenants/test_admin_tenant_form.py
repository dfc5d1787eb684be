"""The tenant add / change form: who may set the account manager, closed tenants stay read-only, and a
customer name already used by a live tenant is refused with a link to it."""

import pytest
from django.urls import reverse

from factories import TenantFactory
from owlie_portal.operations.models import Operation
from owlie_portal.tenants.models import Tenant

pytestmark = pytest.mark.django_db
ADD = reverse("admin:tenants_tenant_add")


def _change_url(tenant) -> str:
    return reverse("admin:tenants_tenant_change", args=[tenant.pk])


def _form(response):
    assert response.status_code == 200
    return response.context["adminform"].form


# Account manager: administrators only ------------------------------------------------------------------

def test_support_staff_posting_an_account_manager_in_the_change_form_change_nothing(
        client, support_user, manager_user):
    tenant = TenantFactory(name="Falcon Flights", account_manager=None)
    client.force_login(support_user)
    assert "account_manager" not in _form(client.get(_change_url(tenant))).fields

    response = client.post(_change_url(tenant), {"name": "Falcon Flights", "account_manager": manager_user.pk})

    assert response.status_code == 302
    tenant.refresh_from_db()
    assert tenant.account_manager is None


def test_support_staff_posting_an_account_manager_in_the_add_form_set_none(client, support_user, manager_user):
    client.force_login(support_user)
    assert "account_manager" not in _form(client.get(ADD)).fields

    client.post(ADD, {"name": "Falcon Flights", "external_ref": "C-100", "account_manager": manager_user.pk})

    assert Tenant.objects.get(external_ref="C-100").account_manager is None


def test_administrators_are_offered_only_active_account_managers(client, admin_user_role, manager_user, make_user):
    retired = make_user("retired-manager", "Account managers")
    retired.is_active = False
    retired.save(update_fields=["is_active"])
    tenant = TenantFactory(name="Falcon Flights", account_manager=None)
    client.force_login(admin_user_role)

    offered = _form(client.get(_change_url(tenant))).fields["account_manager"].queryset

    assert list(offered) == [manager_user]
    assert list(_form(client.get(ADD)).fields["account_manager"].queryset) == [manager_user]


def test_administrators_cannot_make_someone_outside_the_group_an_account_manager(
        client, admin_user_role, support_user, manager_user):
    tenant = TenantFactory(name="Falcon Flights", account_manager=None)
    client.force_login(admin_user_role)

    refused = client.post(_change_url(tenant), {"name": "Falcon Flights", "account_manager": support_user.pk})

    assert "account_manager" in _form(refused).errors
    tenant.refresh_from_db()
    assert tenant.account_manager is None
    done = client.post(_change_url(tenant), {"name": "Falcon Flights", "account_manager": manager_user.pk})
    assert done.status_code == 302
    tenant.refresh_from_db()
    assert tenant.account_manager == manager_user


def test_the_bulk_assign_form_offers_only_active_account_managers(admin_user_role, manager_user, support_user):
    from owlie_portal.tenants.forms import AssignManagerForm

    form = AssignManagerForm({"account_manager": support_user.pk})

    assert list(form.fields["account_manager"].queryset) == [manager_user]
    assert not form.is_valid() and "account_manager" in form.errors


# Closed tenants -------------------------------------------------------------------------------------------

def test_a_closed_tenants_page_has_no_editable_fields_and_no_save_buttons(client, admin_user_role):
    tenant = TenantFactory(name="Gone Gulls", status=Tenant.Status.CLOSED)
    client.force_login(admin_user_role)

    response = client.get(_change_url(tenant))

    page = response.content.decode()
    assert response.status_code == 200 and "Gone Gulls" in page
    assert 'name="_save"' not in page and 'name="_continue"' not in page
    assert 'name="name"' not in page and 'name="account_manager"' not in page


def test_posting_to_a_closed_tenants_page_is_refused_and_changes_nothing(client, admin_user_role, manager_user):
    tenant = TenantFactory(name="Gone Gulls", status=Tenant.Status.CLOSED, account_manager=None)
    client.force_login(admin_user_role)

    response = client.post(_change_url(tenant), {"name": "Renamed", "account_manager": manager_user.pk})

    assert response.status_code == 403
    tenant.refresh_from_db()
    assert (tenant.name, tenant.account_manager) == ("Gone Gulls", None)


# Duplicate customer names ------------------------------------------------------------------------------

def test_the_add_form_refuses_a_name_a_live_tenant_has_and_links_to_it(client, support_user):
    falcon = TenantFactory(name="Falcon Flights", external_ref="CRM-7781", status=Tenant.Status.SUSPENDED)
    client.force_login(support_user)

    response = client.post(ADD, {"name": "  falcon FLIGHTS ", "external_ref": "C-100"})

    errors = _form(response).errors["name"]
    assert "Falcon Flights" in errors[0] and "CRM-7781" in errors[0]
    assert f'<a href="{_change_url(falcon)}">' in response.content.decode()
    assert Tenant.objects.count() == 1 and not Operation.objects.exists()


def test_the_add_form_accepts_the_name_of_a_closed_or_failed_tenant(client, support_user):
    TenantFactory(name="Falcon Flights", status=Tenant.Status.CLOSED)
    TenantFactory(name="Falcon Flights", status=Tenant.Status.FAILED, subaccount_sid=None)
    client.force_login(support_user)

    response = client.post(ADD, {"name": "Falcon Flights", "external_ref": "C-100"})

    assert response.status_code == 302
    assert Tenant.objects.get(external_ref="C-100").status == Tenant.Status.PROVISIONING


def test_renaming_a_tenant_to_a_live_tenants_name_is_refused(client, support_user):
    TenantFactory(name="Falcon Flights")
    gull = TenantFactory(name="Gull Goods")
    client.force_login(support_user)

    response = client.post(_change_url(gull), {"name": "falcon flights"})

    assert "name" in _form(response).errors
    gull.refresh_from_db()
    assert gull.name == "Gull Goods"
    assert client.post(_change_url(gull), {"name": "Gull Goods"}).status_code == 302  # its own name is fine
