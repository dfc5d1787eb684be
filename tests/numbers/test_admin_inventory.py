"""The number list as support staff use it: search by any form of a number, filters, no N+1, CSV, drift admin."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from factories import TenantFactory
from owlie_portal.messaging.models import MessagingService
from owlie_portal.numbers.models import NumberDrift, PhoneNumber

URL = reverse("admin:numbers_phonenumber_changelist")


def _number(i, tenant=None, **fields):
    return PhoneNumber.objects.create(sid=f"PN{i:032x}", phone_number=f"+1415874{i:04d}", tenant=tenant, **fields)


def _listed(client, **params):
    response = client.get(URL, params)
    assert response.status_code == 200
    return sorted(n.phone_number for n in response.context["cl"].result_list)


@pytest.fixture
def inventory(db):
    falcon = TenantFactory(name="Falcon Flights", external_ref="CRM-FALCON")
    heron = TenantFactory(name="Heron Hotels", external_ref="CRM-HERON")
    service = MessagingService.objects.create(sid="MG" + "1" * 32, tenant=falcon, friendly_name="falconAlerts")
    numbers = {
        "parent": _number(103),
        "falcon": _number(104, falcon, messaging_service=service),
        "heron": _number(105, heron, sms_capable=False, mms_capable=False),
    }
    return falcon, heron, numbers


@pytest.mark.parametrize("typed", ["+14158740103", "(415) 874-0103", "874-0103", "415 874 0103", "1-415-874-0103"])
def test_a_number_is_found_by_any_form_of_it(client, support_user, inventory, typed):
    client.force_login(support_user)
    assert _listed(client, q=typed) == ["+14158740103"]


def test_a_number_is_found_by_its_sid_and_the_owner_by_name(client, support_user, inventory):
    _, _, numbers = inventory
    client.force_login(support_user)
    assert _listed(client, q=numbers["heron"].sid) == ["+14158740105"]
    assert _listed(client, q="Falcon") == ["+14158740104"]


def test_filters_by_owner_capability_service_and_drift(client, support_user, inventory):
    falcon, _, numbers = inventory
    NumberDrift.objects.create(number_sid=numbers["parent"].sid, kind=NumberDrift.Kind.URLS_CHANGED)
    client.force_login(support_user)
    assert _listed(client, tenant="parent") == ["+14158740103"]
    assert _listed(client, tenant=str(falcon.pk)) == ["+14158740104"]
    assert _listed(client, capability="voice_only") == ["+14158740105"]
    assert _listed(client, in_service="yes") == ["+14158740104"]
    assert _listed(client, in_service="no") == ["+14158740103", "+14158740105"]
    assert _listed(client, drift="open") == ["+14158740103"]
    assert _listed(client, drift="urls_changed") == ["+14158740103"]


def test_the_list_costs_the_same_queries_for_3_and_for_60_numbers(client, support_user, inventory):
    client.force_login(support_user)
    client.get(URL)
    with CaptureQueriesContext(connection) as few:
        client.get(URL)
    for i in range(200, 257):
        _number(i, TenantFactory())
    with CaptureQueriesContext(connection) as many:
        page = client.get(URL).content.decode()
    assert len(few.captured_queries) == len(many.captured_queries)
    assert "Falcon Flights" in page and "falconAlerts" in page
    assert all("auth_token" not in q["sql"] for q in many.captured_queries)


def test_csv_export_lists_the_owner_and_service(client, support_user, inventory):
    client.force_login(support_user)
    response = client.post(URL, {"action": "export_csv", "_selected_action": [n.pk for n in PhoneNumber.objects.all()]})
    body = b"".join(response.streaming_content).decode()
    assert body.splitlines()[0].startswith("phone_number,sid,owner")
    assert "+14158740104" in body and "Falcon Flights" in body and "falconAlerts" in body
    assert "parent account" in body


def test_support_staff_mark_number_drift_resolved(client, support_user, inventory):
    _, _, numbers = inventory
    drift = NumberDrift.objects.create(number_sid=numbers["parent"].sid, kind=NumberDrift.Kind.VANISHED)
    client.force_login(support_user)
    assert client.get(reverse("admin:numbers_numberdrift_changelist")).status_code == 200
    client.post(reverse("admin:numbers_numberdrift_changelist"),
                {"action": "mark_resolved", "_selected_action": [drift.pk]})
    drift.refresh_from_db()
    assert drift.resolved_at is not None and drift.resolved_by == support_user


def test_sync_numbers_now_queues_one_operation_recording_who_asked(client, support_user, inventory):
    from owlie_portal.numbers.kinds import Kind
    from owlie_portal.operations.models import Operation

    client.force_login(support_user)
    first = client.post(reverse("admin:numbers_phonenumber_sync"))
    client.post(reverse("admin:numbers_phonenumber_sync"))  # a second click joins the open one

    assert first.status_code == 302 and first.url == URL
    [operation] = Operation.objects.filter(kind=Kind.SYNC)
    assert operation.requested_by == support_user


def test_account_managers_see_the_list_but_cannot_buy_release_or_sync(client, manager_user, inventory):
    _, _, numbers = inventory
    client.force_login(manager_user)
    page = client.get(URL).content.decode()
    assert "Buy a number" not in page and "Sync numbers now" not in page
    assert client.get(reverse("admin:numbers_phonenumber_buy")).status_code == 403
    assert client.get(reverse("admin:numbers_phonenumber_release", args=[numbers["parent"].pk])).status_code == 403
    assert client.post(reverse("admin:numbers_phonenumber_sync")).status_code == 403


def test_the_release_page_of_a_number_in_a_service_offers_removal_and_refuses_without_it(
        client, support_user, inventory):
    from owlie_portal.operations.models import Operation

    _, _, numbers = inventory
    client.force_login(support_user)
    url = reverse("admin:numbers_phonenumber_release", args=[numbers["falcon"].pk])
    assert "Remove it from “falconAlerts” first" in client.get(url).content.decode()

    refused = client.post(url, {})

    assert refused.status_code == 200 and "Tick “remove it from the service first”" in refused.content.decode()
    assert not Operation.objects.exists()


def test_a_numbers_own_page_opens_for_support_staff(client, support_user, inventory):
    _, _, numbers = inventory
    client.force_login(support_user)
    response = client.get(reverse("admin:numbers_phonenumber_change", args=[numbers["falcon"].pk]))
    page = response.content.decode()
    assert response.status_code == 200 and "+14158740104" in page
    assert reverse("admin:numbers_phonenumber_release", args=[numbers["falcon"].pk]) in page
