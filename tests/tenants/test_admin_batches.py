"""The batch progress page: percent and counts from the batch's Operations, the polled fragment, Twilio's
failures, and "retry failed items" — through the admin, the real worker and the sandbox."""

import pytest
from django.urls import reverse
from django.utils.html import escape

from owlie_portal.tenants import services
from owlie_portal.operations.models import Batch, Operation
from owlie_portal.tenants.models import Tenant

State = Operation.State
CHANGELIST = reverse("admin:tenants_tenant_changelist")


def _bulk_suspend(client, tenants, reason="compliance"):
    data = {"action": "suspend_selected", "select_across": 0, "confirm": "yes", "reason": reason,
            "_selected_action": [t.pk for t in tenants]}
    response = client.post(CHANGELIST, data)
    assert response.status_code == 302, response.content.decode()[:500]
    return response.url


def _fragment(client, progress_url) -> str:
    response = client.get(progress_url, {"fragment": "1"})
    assert response.status_code == 200
    return response.content.decode()


def _final_fragment(client, progress_url) -> str | None:
    """What poll.js waits for: the fragment once it carries data-final."""
    fragment = _fragment(client, progress_url)
    return fragment if 'data-final="1"' in fragment else None


def test_the_progress_page_shows_percent_and_counts_while_the_batch_is_in_flight(
        client, support_user, sandbox_tenants):
    tenants = sandbox_tenants(4)
    client.force_login(support_user)
    progress_url = _bulk_suspend(client, tenants)
    batch = Batch.objects.get()
    # Perform one of the four for real (the worker's service call), so one is done and three are waiting.
    first = Operation.objects.filter(batch=batch).order_by("id").first()
    services.operation_run_status_change(operation_id=first.pk)

    page = client.get(progress_url).content.decode()
    assert f'data-poll-url="{progress_url}?fragment=1"' in page
    assert "static/owlie/poll.js" in page
    fragment = _fragment(client, progress_url)
    assert "<html" not in fragment
    assert 'aria-valuenow="25"' in fragment and ">25%<" in fragment
    assert "1 of 4 finished" in fragment and "1 succeeded" in fragment and "3 in flight" in fragment
    assert 'data-final="1"' not in fragment
    assert "Retry failed items" not in fragment


@pytest.mark.slow
def test_a_finished_batch_lists_twilio_failures_and_retrying_makes_a_batch_of_the_failed_items_only(
        celery_worker, client, support_user, sandbox, sandbox_tenants, wait_until):
    tenants = sandbox_tenants(3)
    gone = tenants[0]
    # Closed at Twilio behind the portal's back: Twilio answers 21479 to the suspend.
    sandbox.client().api.v2010.accounts(gone.subaccount_sid).update(status="closed")
    client.force_login(support_user)

    progress_url = _bulk_suspend(client, tenants)
    batch = Batch.objects.get()
    fragment = wait_until(lambda: _final_fragment(client, progress_url), message="the batch to be final")

    assert ">100%<" in fragment and "3 of 3 finished" in fragment
    assert "2 succeeded" in fragment and "1 failed" in fragment and "0 in flight" in fragment
    assert escape(gone.name) in fragment and "<td>21479</td>" in fragment
    assert "The subaccount is closed at Twilio; closing is final and it cannot be reopened." in fragment
    retry_url = reverse("admin:operations_batch_retry", args=[batch.pk])
    assert f'action="{retry_url}"' in fragment and "Retry failed items" in fragment
    statuses = dict(Tenant.objects.values_list("pk", "status"))
    assert [statuses[t.pk] for t in tenants] == ["active", "suspended", "suspended"]

    response = client.post(retry_url)

    retry = Batch.objects.exclude(pk=batch.pk).get()
    assert response.status_code == 302
    assert response.url == reverse("admin:operations_batch_progress", args=[retry.pk])
    assert retry.total == 1 and retry.params["reason"] == "compliance"
    assert list(Operation.objects.filter(batch=retry).values_list("tenant_id", flat=True)) == [gone.pk]
    wait_until(lambda: Operation.objects.get(batch=retry).is_final, message="the retry to finish")
    assert Operation.objects.get(batch=retry).error_code == 21479
    assert Operation.objects.filter(batch=batch).count() == 3  # the first batch is left as it was


def test_retrying_needs_the_permission_of_the_batch_action(client, support_user, manager_user, sandbox_tenants):
    tenants = sandbox_tenants(2)
    client.force_login(support_user)
    progress_url = _bulk_suspend(client, tenants)
    batch = Batch.objects.get()
    client.force_login(manager_user)

    assert client.get(progress_url).status_code == 200  # account managers may watch
    assert client.post(reverse("admin:operations_batch_retry", args=[batch.pk])).status_code == 403
    assert Batch.objects.count() == 1
