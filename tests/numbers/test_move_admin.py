"""Moves through the real admin: the dry run first (nothing changes), then confirm=yes queues Operations."""

import html

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from move_helpers import buy, owner_at_twilio, run_until_final, service
from owlie_portal.numbers.models import PhoneNumber
from owlie_portal.operations.models import Batch, Operation

pytestmark = pytest.mark.django_db
CHANGELIST = reverse("admin:numbers_phonenumber_changelist")
MOVE = reverse("admin:numbers_phonenumber_move")


def _dry_run(client, numbers, target):
    return client.post(MOVE, {"ids": [n.pk for n in numbers], "target": target})


def test_the_list_action_shows_the_target_chooser_and_changes_nothing(client, support_user, sandbox):
    numbers = [buy(sandbox), buy(sandbox)]
    client.force_login(support_user)

    response = client.post(CHANGELIST, {"action": "move_to_account", "index": 0,
                                        "_selected_action": [n.pk for n in numbers]})

    page = response.content.decode()
    assert response.status_code == 200 and "Show the dry run" in page
    assert all(n.phone_number in page for n in numbers)
    assert not Operation.objects.exists()


def test_the_dry_run_shows_service_address_and_registration_warnings_and_changes_nothing(
        client, support_user, sandbox, sandbox_tenants):
    source, target = sandbox_tenants(2, name="Falcon Flights")
    number = buy(sandbox, source, address_requirements="local")
    service(sandbox, source, default=False, numbers=[number])
    service(sandbox, target)
    client.force_login(support_user)

    page = html.unescape(_dry_run(client, [number], target.pk).content.decode())

    assert "Dry run: nothing has changed yet" in page
    assert "it leaves it first, with the source account's own credentials" in page
    assert "the target needs an address on file or Twilio refuses (21613)" in page
    assert "<strong>not</strong> follow a number" in page
    assert "Add to the target's default Messaging Service" in page
    assert not Operation.objects.exists()
    assert owner_at_twilio(sandbox, number) == source.subaccount_sid


def test_the_dry_run_refuses_a_suspended_target_without_a_confirm_button(
        client, support_user, sandbox, sandbox_tenants):
    [tenant] = sandbox_tenants(1, status="suspended")
    number = buy(sandbox)
    client.force_login(support_user)

    page = _dry_run(client, [number], tenant.pk).content.decode()

    assert "numbers can only move to an active account (Twilio error 21472)" in page
    assert "owlie-confirm-move" not in page


def test_confirming_one_number_queues_one_operation_and_returns_to_its_page(
        client, support_user, sandbox, sandbox_tenants):
    [tenant] = sandbox_tenants(1)
    number = buy(sandbox)
    client.force_login(support_user)

    response = client.post(MOVE, {"ids": [number.pk], "target": tenant.pk, "confirm": "yes"})

    assert response.status_code == 302
    assert response["Location"] == reverse("admin:numbers_phonenumber_change", args=[number.pk])
    operation = Operation.objects.get()
    assert (operation.target_sid, operation.params["to"]) == (number.sid, tenant.subaccount_sid)
    assert PhoneNumber.objects.get(pk=number.pk).status == PhoneNumber.Status.MOVING
    assert any("Moving" in str(m) for m in get_messages(response.wsgi_request))
    assert "Being moved" in client.get(f"{CHANGELIST}?status=moving").content.decode()


def test_confirming_many_numbers_makes_one_batch_and_shows_its_progress(client, support_user, sandbox, sandbox_tenants):
    [tenant] = sandbox_tenants(1)
    numbers = [buy(sandbox) for _ in range(3)]
    client.force_login(support_user)

    response = client.post(MOVE, {"ids": [n.pk for n in numbers], "target": tenant.pk, "confirm": "yes"})

    batch = Batch.objects.get()
    assert response["Location"] == reverse("admin:operations_batch_progress", args=[batch.pk])
    assert batch.operations.count() == 3
    page = client.get(response["Location"]).content.decode()
    assert "Select these numbers" in page
    listed = client.get(f"{CHANGELIST}?batch={batch.pk}").content.decode()
    assert all(n.phone_number in listed for n in numbers)


def test_a_failed_move_offers_resume_on_the_numbers_page_and_resume_finishes_it(
        client, support_user, sandbox, sandbox_tenants):
    [tenant] = sandbox_tenants(1)
    number = buy(sandbox)
    client.force_login(support_user)
    client.post(MOVE, {"ids": [number.pk], "target": tenant.pk, "confirm": "yes"})
    failed = Operation.objects.get()
    Operation.objects.filter(pk=failed.pk).update(state=Operation.State.FAILED)  # as if its retries were spent
    failed.refresh_from_db()

    page = client.get(reverse("admin:numbers_phonenumber_change", args=[number.pk])).content.decode()
    assert "Resume the move" in page
    resume_url = reverse("admin:numbers_phonenumber_resume", args=[failed.pk])
    assert "Yes, resume the move" in client.get(resume_url).content.decode()
    response = client.post(resume_url, {"confirm": "yes"})

    assert response.status_code == 302
    resumed = Operation.objects.exclude(pk=failed.pk).get()
    assert run_until_final(resumed.pk).state == Operation.State.SUCCEEDED
    assert owner_at_twilio(sandbox, number) == tenant.subaccount_sid


def test_people_without_the_transfer_permission_cannot_open_the_move_page(client, manager_user, sandbox):
    number = buy(sandbox)
    client.force_login(manager_user)
    assert client.get(f"{MOVE}?ids={number.pk}").status_code == 403


def test_the_dry_run_lists_the_opt_outs_that_travel_with_the_number(client, support_user, sandbox, sandbox_tenants):
    from owlie_portal.messaging.models import OptOut

    [target] = sandbox_tenants(1)
    number = buy(sandbox)  # a parent number someone replied STOP to
    OptOut.objects.create(tenant=None, recipient="+14155550123", phone_number=number.phone_number, keyword="STOP")
    client.force_login(support_user)

    page = _dry_run(client, [number], target.pk).content.decode()

    assert "+14155550123" in page
    assert not Operation.objects.exists()
