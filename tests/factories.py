import factory
from cryptography.fernet import Fernet
from django.db import connection

from owlie_portal.tenants.models import Tenant


class TenantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tenant

    name = factory.Faker("company")
    external_ref = factory.Sequence(lambda n: f"CUST-{n:05d}")
    status = Tenant.Status.ACTIVE
    subaccount_sid = factory.Sequence(lambda n: f"AC{n:032x}")


def write_secret_under_another_key(tenant: Tenant) -> None:
    """Leave the tenant's auth_token as it is after a key was dropped before rotation: ciphertext that no key
    in FIELD_ENCRYPTION_KEYS opens (raw SQL: the field would encrypt it again with today's key)."""
    column = Tenant._meta.get_field("auth_token").column
    ciphertext = Fernet(Fernet.generate_key()).encrypt(b"lost-token").decode()
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {Tenant._meta.db_table} SET {column} = %s WHERE id = %s", [ciphertext, tenant.pk])
