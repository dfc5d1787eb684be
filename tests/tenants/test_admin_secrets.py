"""Tenant secrets in the admin: never loaded (so never decrypted) for lists, exports or confirmation pages,
and one row whose secret cannot be decrypted shows "secret unreadable" instead of turning a page into a 500."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from factories import TenantFactory, write_secret_under_another_key
from owlie_portal.numbers.models import PhoneNumber
from owlie_portal.tenants.models import Tenant

pytestmark = pytest.mark.django_db
TENANTS = reverse("admin:tenants_tenant_changelist")


@pytest.fixture
def unreadable(admin_user_role, client):
    TenantFactory(name="Auk Airways", auth_token="readable-token", api_key_secret="readable-secret")
    tenant = TenantFactory(name="Broken Buntings", auth_token="token", api_key_secret="key-secret")
    PhoneNumber.objects.create(sid="PN" + "1" * 32, phone_number="+14155550100", tenant=tenant)
    write_secret_under_another_key(tenant)
    client.force_login(admin_user_role)
    return tenant


def test_the_tenant_list_shows_a_tenant_whose_secret_cannot_be_decrypted(client, unreadable):
    response = client.get(TENANTS)

    assert response.status_code == 200
    assert "Broken Buntings" in response.content.decode()


def test_the_tenant_list_never_selects_the_secret_columns(client, unreadable):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(TENANTS).status_code == 200

    selects = [q["sql"] for q in queries if "tenants_tenant" in q["sql"]]
    assert selects and not [sql for sql in selects if "auth_token" in sql or "api_key_secret" in sql]


def test_the_csv_export_includes_a_tenant_whose_secret_cannot_be_decrypted(client, unreadable):
    response = client.post(TENANTS, {"action": "export_csv", "_selected_action": [unreadable.pk]})

    assert response.status_code == 200
    assert "Broken Buntings" in b"".join(response.streaming_content).decode()


def test_the_close_confirmation_page_lists_a_tenant_whose_secret_cannot_be_decrypted(client, unreadable):
    response = client.post(TENANTS, {"action": "close_selected", "_selected_action": [unreadable.pk]})

    assert response.status_code == 200
    assert "Broken Buntings" in response.content.decode() and "+14155550100" in response.content.decode()


def test_the_tenant_page_says_secret_unreadable_instead_of_failing(client, unreadable):
    response = client.get(reverse("admin:tenants_tenant_change", args=[unreadable.pk]))

    page = response.content.decode()
    assert response.status_code == 200
    assert "auth token: secret unreadable; API key secret: stored (encrypted)" in page


def test_the_tenant_page_of_a_readable_tenant_says_its_secrets_are_stored(client, unreadable):
    readable = Tenant.objects.get(name="Auk Airways")

    page = client.get(reverse("admin:tenants_tenant_change", args=[readable.pk])).content.decode()

    assert "auth token: stored (encrypted); API key secret: stored (encrypted)" in page
    assert "readable-token" not in page and "readable-secret" not in page
