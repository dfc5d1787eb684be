"""`rows_update` writes what `QuerySet.update()` would write: the same rows, values prepared by their fields."""

from __future__ import annotations

from datetime import datetime, timezone

from django.db import connection
from factories import TenantFactory

from owlie_portal.operations.models import Operation
from owlie_portal.row_updates import rows_update
from owlie_portal.tenants.models import Tenant


def test_rows_update_matches_every_condition_and_prepares_values_as_the_orm_does(db):
    tenant, other = TenantFactory.create_batch(2, status=Tenant.Status.ACTIVE)
    when = datetime(2026, 11, 30, 23, 59, 1, 123456, tzinfo=timezone.utc)

    assert rows_update(Tenant, where={"pk": tenant.pk, "status": Tenant.Status.SUSPENDED},
                       values={"suspension_note": "no"}) == 0  # one condition fails: nothing written
    assert rows_update(Tenant, where={"pk": tenant.pk, "status": Tenant.Status.ACTIVE},
                       values={"status": Tenant.Status.SUSPENDED, "suspension_note": "chargebacks",
                               "last_synced_at": when, "auth_token": "a-new-token"}) == 1

    tenant.refresh_from_db()
    assert (tenant.status, tenant.suspension_note, tenant.last_synced_at) == (
        Tenant.Status.SUSPENDED, "chargebacks", when)
    assert tenant.auth_token == "a-new-token"  # encrypted once by its field (twice would read back as a token)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT auth_token FROM {Tenant._meta.db_table} WHERE id = %s", [tenant.pk])
        [stored] = cursor.fetchone()
    assert "a-new-token" not in stored  # never written in clear
    other.refresh_from_db()
    assert other.status == Tenant.Status.ACTIVE and other.suspension_note == ""


def test_rows_update_writes_json_and_foreign_keys_by_attname(db):
    tenant = TenantFactory(status=Tenant.Status.ACTIVE)
    operation = Operation.objects.create(kind="subaccount.suspend", task_id="t" * 32)

    assert rows_update(Operation, where={"pk": operation.pk}, values={"tenant_id": tenant.pk,
                                                                      "result": {"moved": ["PN1"], "n": 2}}) == 1
    operation.refresh_from_db()
    assert operation.tenant == tenant and operation.result == {"moved": ["PN1"], "n": 2}
