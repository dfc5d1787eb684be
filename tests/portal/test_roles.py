"""The data migration creates the three roles with the permissions their work needs."""

import pytest
from django.contrib.auth.models import Group


def _perms(group_name: str) -> set[str]:
    group = Group.objects.get(name=group_name)
    return {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")}


@pytest.mark.django_db
def test_support_staff_run_lifecycle_actions_and_imports_but_not_assignments_or_user_management():
    perms = _perms("Support staff")
    assert {"tenants.suspend_tenant", "tenants.reactivate_tenant", "tenants.close_tenant",
            "tenants.sync_tenant", "tenants.import_tenants", "numbers.transfer_number",
            "messaging.send_message"} <= perms
    assert "tenants.assign_account_manager" not in perms
    assert not any(p.startswith("auth.") for p in perms)


@pytest.mark.django_db
def test_account_managers_read_tenants_and_billing_only():
    perms = _perms("Account managers")
    assert {"tenants.view_tenant", "tenants.view_billing"} <= perms
    assert not {p for p in perms if not p.split(".")[1].startswith("view_")}


@pytest.mark.django_db
def test_administrators_have_every_portal_permission():
    perms = _perms("Administrators")
    assert {"tenants.import_tenants", "tenants.assign_account_manager", "tenants.close_tenant", "auth.add_user",
            "numbers.release_number"} <= perms
