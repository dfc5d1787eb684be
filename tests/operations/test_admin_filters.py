"""The Operation list filters by batch and tenant through short parameters, without listing every tenant."""

import pytest

from factories import TenantFactory
from owlie_portal.operations.models import Batch, Operation

OPERATIONS = "/admin/operations/operation/"


@pytest.mark.django_db
def test_operations_filter_by_batch_and_tenant_parameters(client, admin_user_role):
    falcon, heron = TenantFactory(name="Falcon Flights"), TenantFactory(name="Heron Health")
    batch = Batch.objects.create(kind="subaccount.suspend", description="Suspend 1 tenant(s)", total=1)
    in_batch = Operation.objects.create(kind="subaccount.suspend", tenant=falcon, batch=batch)
    alone = Operation.objects.create(kind="subaccount.suspend", tenant=heron)
    client.force_login(admin_user_role)

    by_batch = client.get(OPERATIONS, {"batch": batch.pk})
    by_tenant = client.get(OPERATIONS, {"tenant": heron.pk})

    assert [o.pk for o in by_batch.context["cl"].result_list] == [in_batch.pk]
    assert [o.pk for o in by_tenant.context["cl"].result_list] == [alone.pk]
    assert "Falcon Flights" not in by_tenant.content.decode().split('id="changelist-filter"')[1]
