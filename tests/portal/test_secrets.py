"""Subaccount secrets are stored encrypted, fail loudly under a wrong key, and rotate to the newest key."""

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection

from factories import TenantFactory
from owlie_portal.crypto import DecryptionError
from owlie_portal.tenants.models import Tenant

KEY_A, KEY_B = Fernet.generate_key().decode(), Fernet.generate_key().decode()


def _raw_token(tenant_id: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("select auth_token from tenants_tenant where id = %s", [tenant_id])
        return cursor.fetchone()[0]


@pytest.mark.django_db
def test_reading_a_token_with_the_wrong_key_raises_instead_of_returning_ciphertext(settings):
    settings.FIELD_ENCRYPTION_KEYS = [KEY_A]
    tenant = TenantFactory(auth_token="secret-token-123")

    settings.FIELD_ENCRYPTION_KEYS = [KEY_B]
    with pytest.raises(DecryptionError, match="FIELD_ENCRYPTION_KEYS"):
        Tenant.objects.get(pk=tenant.pk)


@pytest.mark.django_db
def test_rotation_re_encrypts_every_secret_under_the_newest_key(settings):
    settings.FIELD_ENCRYPTION_KEYS = [KEY_A]
    tenant = TenantFactory(auth_token="secret-token-123", api_key_secret="key-secret-456")
    before = _raw_token(tenant.pk)

    settings.FIELD_ENCRYPTION_KEYS = [KEY_B, KEY_A]
    call_command("rotate_encryption_keys", stdout=open("/dev/null", "w"))

    after = _raw_token(tenant.pk)
    assert after != before
    assert Fernet(KEY_B).decrypt(after.encode()).decode() == "secret-token-123"
    settings.FIELD_ENCRYPTION_KEYS = [KEY_B]  # the old key can now be dropped
    reloaded = Tenant.objects.get(pk=tenant.pk)
    assert (reloaded.auth_token, reloaded.api_key_secret) == ("secret-token-123", "key-secret-456")


@pytest.mark.django_db
def test_the_admin_never_shows_a_stored_token(client, admin_user_role):
    tenant = TenantFactory(auth_token="tok-visible-nowhere", api_key_secret="sec-visible-nowhere")
    client.force_login(admin_user_role)

    page = client.get(f"/admin/tenants/tenant/{tenant.pk}/change/").content.decode()

    assert "stored (encrypted)" in page
    assert "tok-visible-nowhere" not in page and "sec-visible-nowhere" not in page
