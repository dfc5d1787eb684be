"""Bad input for moves: each refused with a sentence a support engineer understands; nothing changes at Twilio
or in our database."""

import pytest

from move_helpers import TRANSFER, buy, owner_at_twilio, requests_to, run_until_final
from owlie_portal.errors import DomainError
from owlie_portal.numbers.models import PhoneNumber
from owlie_portal.numbers.selectors_move import move_plan
from owlie_portal.numbers.services import number_move, numbers_bulk_move
from owlie_portal.operations.models import Batch, Operation
from owlie_portal.tenants.models import Tenant

pytestmark = pytest.mark.django_db


def _unchanged(sandbox, number, owner_sid):
    assert owner_at_twilio(sandbox, number) == owner_sid
    row = PhoneNumber.objects.get(pk=number.pk)
    assert row.status == PhoneNumber.Status.ACTIVE
    return row


@pytest.mark.parametrize("status, words", [(Tenant.Status.CLOSED, "closed"), (Tenant.Status.SUSPENDED, "suspended")])
def test_a_move_to_a_tenant_that_is_not_active_is_refused_and_changes_nothing(
        sandbox, sandbox_tenants, support_user, status, words):
    [tenant] = sandbox_tenants(1, status=status)
    number = buy(sandbox)
    sandbox.sandbox.stats.reset()

    with pytest.raises(DomainError, match=f"{tenant.name} is {words}: numbers can only move to an active account"):
        number_move(number_sid=number.sid, target=tenant, requested_by=support_user)
    with pytest.raises(DomainError, match="21472"):
        numbers_bulk_move(number_sids=[number.sid], target=tenant, requested_by=support_user)

    assert not Operation.objects.exists() and not Batch.objects.exists()
    assert _unchanged(sandbox, number, sandbox.parent_sid).tenant is None
    assert sandbox.sandbox.stats.to_json()["requests"] == {}


def test_a_sid_with_the_wrong_prefix_is_refused(sandbox, sandbox_tenants, support_user):
    [tenant] = sandbox_tenants(1)
    with pytest.raises(DomainError, match="is not a phone number SID: those start with PN"):
        number_move(number_sid=tenant.subaccount_sid, target=tenant, requested_by=support_user)
    with pytest.raises(DomainError, match="start with PN"):
        numbers_bulk_move(number_sids=["MG" + "0" * 32], target=tenant, requested_by=support_user)
    assert not Operation.objects.exists() and not Batch.objects.exists()


def test_a_move_to_the_account_that_already_owns_it_is_refused(sandbox, sandbox_tenants, support_user):
    [tenant] = sandbox_tenants(1)
    number = buy(sandbox, tenant)

    with pytest.raises(DomainError, match=f"already belongs to {tenant.name}"):
        number_move(number_sid=number.sid, target=tenant, requested_by=support_user)
    parent_number = buy(sandbox)
    with pytest.raises(DomainError, match="already belongs to the parent account"):
        number_move(number_sid=parent_number.sid, target=None, requested_by=support_user)

    assert not Operation.objects.exists()
    _unchanged(sandbox, number, tenant.subaccount_sid)


def test_drift_is_refused_by_the_dry_run_and_again_by_the_worker(sandbox, sandbox_tenants, support_user):
    elsewhere, target = sandbox_tenants(2)
    number = buy(sandbox)  # the portal believes the parent holds it…
    sandbox.client().api.v2010.accounts(sandbox.parent_sid).incoming_phone_numbers(number.sid).update(
        account_sid=elsewhere.subaccount_sid)  # …but someone moved it at Twilio
    sandbox.sandbox.stats.reset()

    [line] = move_plan(numbers=[PhoneNumber.objects.get(pk=number.pk)], target=target).lines
    assert "Twilio does not show it in the parent account, where the portal believes it is (drift)" in line.refusal

    # Someone skips the dry run: the worker checks Twilio before changing anything.
    operation = run_until_final(number_move(number_sid=number.sid, target=target, requested_by=support_user).pk)

    assert operation.state == Operation.State.FAILED
    assert "is not in the parent account at Twilio any more" in operation.error_message
    assert requests_to(sandbox, TRANSFER) == 0
    assert owner_at_twilio(sandbox, number) == elsewhere.subaccount_sid
    row = PhoneNumber.objects.get(pk=number.pk)
    assert (row.tenant, row.status) == (None, PhoneNumber.Status.ACTIVE)


def test_a_number_already_being_moved_is_refused(sandbox, sandbox_tenants, support_user):
    first, second = sandbox_tenants(2)
    number = buy(sandbox)
    number_move(number_sid=number.sid, target=first, requested_by=support_user)

    with pytest.raises(DomainError, match="is already being moved"):
        number_move(number_sid=number.sid, target=second, requested_by=support_user)
    assert Operation.objects.count() == 1


def test_twilios_21472_for_a_target_suspended_behind_the_portals_back_fails_the_move_with_a_sentence(
        sandbox, sandbox_tenants, support_user):
    [tenant] = sandbox_tenants(1)
    number = buy(sandbox)
    sandbox.control(f"accounts/{tenant.subaccount_sid}/suspend-by-twilio")  # the portal still thinks it active

    operation = run_until_final(number_move(number_sid=number.sid, target=tenant, requested_by=support_user).pk)

    assert (operation.state, operation.error_code) == (Operation.State.FAILED, 21472)
    assert operation.error_message == "The receiving account is not active, so the number cannot be moved there."
    row = _unchanged(sandbox, number, sandbox.parent_sid)
    assert row.tenant is None
