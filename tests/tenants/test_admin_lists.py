"""Tenant and Operation changelists: search, filters, CSV export, the append-only ledger, and a query
count that does not grow with the number of rows."""

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from factories import TenantFactory
from owlie_portal.messaging.models import MessagingService
from owlie_portal.numbers.models import PhoneNumber
from owlie_portal.operations.models import Operation
from owlie_portal.tenants.models import Tenant, TenantDrift
from owlie_portal.tenants.kinds import Kind

pytestmark = pytest.mark.django_db
State = Operation.State
TENANTS = reverse("admin:tenants_tenant_changelist")
OPERATIONS = reverse("admin:operations_operation_changelist")


def _names(response) -> set[str]:
    assert response.status_code == 200
    return {str(row) for row in response.context["cl"].result_list}


def _tenant_with_things(n: int) -> Tenant:
    """A tenant as the changelist meets it in production: numbers, services and a few Operations."""
    tenant = TenantFactory(name=f"Tenant {n:03d}")
    for i in range(2):
        PhoneNumber.objects.create(sid=f"PN{n:016x}{i:016x}", phone_number=f"+1415{n:04d}{i:03d}", tenant=tenant)
    MessagingService.objects.create(sid=f"MG{n:032x}", tenant=tenant, friendly_name="Alerts")
    for kind in (Kind.SUBACCOUNT_CREATE, Kind.SUBACCOUNT_SUSPEND):
        Operation.objects.create(kind=kind, tenant=tenant, target_sid=tenant.subaccount_sid, state=State.SUCCEEDED)
    return tenant


def _changelist_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(TENANTS)
    assert response.status_code == 200
    return len(queries)


def test_tenant_changelist_query_count_does_not_grow_with_rows(client, support_user, manager_user):
    client.force_login(support_user)
    for n in range(5):
        _tenant_with_things(n)
    TenantDrift.objects.create(tenant=Tenant.objects.first(), subaccount_sid="AC" + "f" * 32,
                               kind=TenantDrift.Kind.STATUS_CHANGED)
    Tenant.objects.update(account_manager=manager_user)
    client.get(TENANTS)  # warm the session and content-type caches
    few = _changelist_queries(client)

    for n in range(5, 60):
        _tenant_with_things(n)
    Tenant.objects.update(account_manager=manager_user)
    many = _changelist_queries(client)

    assert few == many
    page = client.get(TENANTS).content.decode()
    assert page.count('class="field-number_count_col">2<') == 60
    assert page.count('class="field-service_count_col">1<') == 60
    assert "Suspend subaccount: succeeded" in page


def test_tenant_changelist_searches_by_name_subaccount_sid_and_external_reference(client, support_user):
    falcon = TenantFactory(name="Falcon Flights", external_ref="CRM-7781")
    TenantFactory(name="Gull Goods", external_ref="CRM-1000")
    client.force_login(support_user)

    assert _names(client.get(TENANTS, {"q": "falcon"})) == {"Falcon Flights"}
    assert _names(client.get(TENANTS, {"q": falcon.subaccount_sid})) == {"Falcon Flights"}
    assert _names(client.get(TENANTS, {"q": "CRM-7781"})) == {"Falcon Flights"}
    assert _names(client.get(TENANTS, {"q": "nobody"})) == set()


def test_tenant_changelist_filters_by_status_drift_and_account_manager(client, support_user, manager_user):
    TenantFactory(name="Active Auks")
    suspended = TenantFactory(name="Sleepy Swans", status=Tenant.Status.SUSPENDED, account_manager=manager_user)
    drifting = TenantFactory(name="Drifting Ducks")
    TenantDrift.objects.create(tenant=drifting, subaccount_sid=drifting.subaccount_sid,
                               kind=TenantDrift.Kind.STATUS_CHANGED, portal_value="active", twilio_value="suspended")
    TenantDrift.objects.create(tenant=suspended, subaccount_sid=suspended.subaccount_sid,
                               kind=TenantDrift.Kind.STATUS_CHANGED, resolved_by=support_user,
                               resolved_at="2026-01-01T00:00:00Z")
    client.force_login(support_user)

    assert _names(client.get(TENANTS, {"status__exact": "suspended"})) == {"Sleepy Swans"}
    assert _names(client.get(TENANTS, {"drift": "open"})) == {"Drifting Ducks"}
    assert _names(client.get(TENANTS, {"drift": "none"})) == {"Active Auks", "Sleepy Swans"}
    assert _names(client.get(TENANTS, {"account_manager__id__exact": manager_user.pk})) == {"Sleepy Swans"}


def test_tenant_csv_export_has_a_header_and_one_row_per_selected_tenant(client, support_user):
    tenants = [_tenant_with_things(n) for n in range(3)]
    client.force_login(support_user)

    response = client.post(TENANTS, {"action": "export_csv", "index": 0,
                                     "_selected_action": [tenants[0].pk, tenants[2].pk]})

    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:4] == ["name", "external_ref", "subaccount_sid", "status"]
    assert [(r[0], r[4], r[5]) for r in rows[1:]] == [("Tenant 000", "2", "1"), ("Tenant 002", "2", "1")]


@pytest.fixture
def ledger():
    """A small ledger: one success, one 21479 failure, one queued create."""
    falcon, gull = TenantFactory(name="Falcon Flights"), TenantFactory(name="Gull Goods")
    return {
        "ok": Operation.objects.create(kind=Kind.SUBACCOUNT_SUSPEND, tenant=falcon, state=State.SUCCEEDED),
        "failed": Operation.objects.create(kind=Kind.SUBACCOUNT_SUSPEND, tenant=gull, state=State.FAILED,
                                           error_code=21479, error_message="The subaccount is closed at Twilio."),
        "queued": Operation.objects.create(kind=Kind.SUBACCOUNT_CREATE, tenant=gull, state=State.QUEUED),
    }


def test_the_operation_ledger_is_append_only_even_for_administrators(client, admin_user_role, ledger):
    client.force_login(admin_user_role)
    failed = ledger["failed"]

    assert client.get(OPERATIONS).status_code == 200
    assert client.get(reverse("admin:operations_operation_add")).status_code == 403
    assert client.get(reverse("admin:operations_operation_change", args=[failed.pk])).status_code == 200  # to read
    assert client.post(reverse("admin:operations_operation_change", args=[failed.pk]),
                       {"state": "succeeded"}).status_code == 403
    assert client.post(reverse("admin:operations_operation_delete", args=[failed.pk]), {"post": "yes"}).status_code == 403
    actions = [name for name, _ in client.get(OPERATIONS).context["action_form"].fields["action"].choices]
    assert "delete_selected" not in actions
    failed.refresh_from_db()
    assert (failed.state, Operation.objects.count()) == (State.FAILED, 3)


def test_the_operation_list_filters_by_state_kind_and_error_code_and_searches_by_tenant(
        client, support_user, ledger):
    client.force_login(support_user)

    def listed(**params):
        response = client.get(OPERATIONS, params)
        assert response.status_code == 200
        return {op.pk for op in response.context["cl"].result_list}

    assert listed(state__exact="failed") == {ledger["failed"].pk}
    assert listed(kind__exact=Kind.SUBACCOUNT_CREATE) == {ledger["queued"].pk}
    assert listed(error_code=21479) == {ledger["failed"].pk}
    assert listed(q="Gull Goods") == {ledger["failed"].pk, ledger["queued"].pk}
    assert listed(q="Gull Goods", state__exact="queued") == {ledger["queued"].pk}


def test_operation_csv_export_has_a_header_and_one_row_per_selected_operation(client, support_user, ledger):
    client.force_login(support_user)
    selected = [ledger["failed"].pk, ledger["ok"].pk]

    response = client.post(OPERATIONS, {"action": "export_csv", "index": 0, "_selected_action": selected})

    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    header, body = rows[0], rows[1:]
    assert header[:4] == ["id", "kind", "state", "tenant"]
    assert sorted((int(r[0]), r[2], r[header.index("error_code")]) for r in body) == sorted(
        [(ledger["failed"].pk, "failed", "21479"), (ledger["ok"].pk, "succeeded", "")])


def test_csv_export_neutralises_spreadsheet_formulas_in_names(client, admin_user_role):
    from factories import TenantFactory as _Tenants

    tenant = _Tenants(name='=HYPERLINK("http://evil.example","x")')
    client.force_login(admin_user_role)

    response = client.post("/admin/tenants/tenant/", {"action": "export_csv", "_selected_action": [tenant.pk]})

    body = b"".join(response.streaming_content).decode()
    assert "'=HYPERLINK" in body
    assert "\n=HYPERLINK" not in body and ",=HYPERLINK" not in body
