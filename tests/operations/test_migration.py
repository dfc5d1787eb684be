"""A database holding Operations and Batches under tenants migrates forward to the operations app intact."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

BEFORE = [("operations", None), ("tenants", "0005_roles_import_and_assign"), ("numbers", "0001_initial"),
          ("messaging", "0001_initial")]


def _migrate(targets) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor


def _latest() -> list:
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def _seed_old_ledger(apps) -> dict:
    User = apps.get_model("auth", "User")
    Tenant = apps.get_model("tenants", "Tenant")
    Batch = apps.get_model("tenants", "Batch")
    Operation = apps.get_model("tenants", "Operation")
    Group, Permission = apps.get_model("auth", "Group"), apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    # The database as the old code left it: ledger permissions under tenants, held by Support staff.
    ContentType.objects.filter(app_label="operations").delete()
    support, _ = Group.objects.get_or_create(name="Support staff")
    for model in ("operation", "batch"):
        content_type, _ = ContentType.objects.get_or_create(app_label="tenants", model=model)
        permission, _ = Permission.objects.get_or_create(content_type=content_type, codename=f"view_{model}",
                                                         defaults={"name": f"Can view {model}"})
        support.permissions.add(permission)
    user = User.objects.create(username="sam-old", is_staff=True)
    tenant = Tenant.objects.create(name="Falcon Flights", external_ref="CUST-1", subaccount_sid="AC" + "f" * 32,
                                   status="suspended", provision_key="abc123abc123")
    batch = Batch.objects.create(kind="subaccount.suspend", description="Suspend 2 tenants", requested_by=user,
                                 total=2, params={"reason": "fraud"})
    done = Operation.objects.create(kind="subaccount.suspend", state="succeeded", tenant=tenant, batch=batch,
                                    target_sid=tenant.subaccount_sid, attempts=1, requested_by=user,
                                    params={"reason": "fraud"}, result_sid=tenant.subaccount_sid)
    failed = Operation.objects.create(kind="number.transfer", state="failed", tenant=tenant, batch=batch,
                                      target_sid="PN" + "1" * 32, attempts=3, error_code=21472,
                                      error_message="The receiving account is not active.")
    return {"user": user.pk, "tenant": tenant.pk, "batch": batch.pk, "done": done.pk, "failed": failed.pk,
            "support_perms": support.permissions.filter(codename__in=["view_operation", "view_batch"]).count()}


def test_operations_and_batches_survive_the_move_to_the_operations_app():
    try:
        old = _migrate(BEFORE)
        ids = _seed_old_ledger(old.loader.project_state([n for n in BEFORE if n[1]]).apps)
        assert ids["support_perms"] == 2
        latest = _latest()
        new_apps = _migrate(latest).loader.project_state(latest).apps
    finally:
        _migrate(_latest())  # whatever happened, leave the schema the other tests expect

    Operation = new_apps.get_model("operations", "Operation")
    Batch = new_apps.get_model("operations", "Batch")
    Group = new_apps.get_model("auth", "Group")
    batch = Batch.objects.get(pk=ids["batch"])
    assert (batch.kind, batch.total, batch.params, batch.requested_by_id) == (
        "subaccount.suspend", 2, {"reason": "fraud"}, ids["user"])
    done, failed = Operation.objects.get(pk=ids["done"]), Operation.objects.get(pk=ids["failed"])
    assert (done.state, done.batch_id, done.tenant_id, done.attempts) == ("succeeded", batch.pk, ids["tenant"], 1)
    assert (failed.state, failed.error_code, failed.attempts) == ("failed", 21472, 3)
    assert failed.error_message == "The receiving account is not active."
    assert done.dispatched_at is not None  # written by the old code, which sent its task
    assert Operation._meta.db_table == "operations_operation"
    # The groups keep their ledger permissions, now under the operations app.
    support = Group.objects.get(name="Support staff")
    assert set(support.permissions.filter(content_type__app_label="operations")
               .values_list("codename", flat=True)) >= {"view_operation", "view_batch"}
