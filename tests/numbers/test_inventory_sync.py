"""Sync of every account's numbers: new ones are added and flagged, differences become drift, never overwrites."""

from owlie_portal.numbers.kinds import Kind
from owlie_portal.numbers.models import NumberDrift, PhoneNumber
from owlie_portal.numbers.services import numbers_sync_from_twilio, numbers_sync_request, operation_run_numbers_sync
from owlie_portal.operations.models import Operation
from owlie_portal.tenants.models import Tenant

Drift = NumberDrift.Kind


def _buy(sandbox, account_sid, area_code="415", **fields):
    return sandbox.client().api.v2010.accounts(account_sid).incoming_phone_numbers.create(area_code=area_code, **fields)


def _moved_at_twilio(sandbox, tenant):
    """A parent number the portal has synced, then moved into `tenant`'s subaccount at Twilio."""
    number = _buy(sandbox, sandbox.parent_sid)
    numbers_sync_from_twilio()
    sandbox.client().api.v2010.accounts(sandbox.parent_sid).incoming_phone_numbers(number.sid).update(
        account_sid=tenant.subaccount_sid)
    return number


def _open(kind):
    return NumberDrift.objects.filter(kind=kind, resolved_at__isnull=True)


def test_numbers_bought_outside_the_portal_are_added_with_their_owner_and_flagged_appeared(sandbox, sandbox_tenants):
    [tenant] = sandbox_tenants(1)
    in_parent = _buy(sandbox, sandbox.parent_sid, sms_url="https://example.com/sms")
    in_tenant = _buy(sandbox, tenant.subaccount_sid)

    report = numbers_sync_from_twilio()

    assert report.appeared == 2 and report.accounts == 2
    parent_row, tenant_row = PhoneNumber.objects.get(sid=in_parent.sid), PhoneNumber.objects.get(sid=in_tenant.sid)
    assert (parent_row.tenant_id, parent_row.sms_url) == (None, "https://example.com/sms")
    assert tenant_row.tenant_id == tenant.pk and tenant_row.last_synced_at is not None
    assert set(_open(Drift.APPEARED).values_list("number_sid", flat=True)) == {in_parent.sid, in_tenant.sid}


def test_a_number_moved_at_twilio_is_flagged_owner_changed_and_the_portal_owner_is_kept(sandbox, sandbox_tenants):
    [tenant] = sandbox_tenants(1)
    number = _moved_at_twilio(sandbox, tenant)

    report = numbers_sync_from_twilio()
    numbers_sync_from_twilio()  # a second sync refreshes the open record instead of adding one

    assert report.drifts == 1
    assert PhoneNumber.objects.get(sid=number.sid).tenant_id is None
    [drift] = _open(Drift.OWNER_CHANGED)
    assert drift.number_sid == number.sid and tenant.name in drift.twilio_value
    assert not _open(Drift.VANISHED).exists()


def test_urls_changed_at_twilio_become_drift_and_the_portal_values_stay(sandbox, sandbox_tenants):
    number = _buy(sandbox, sandbox.parent_sid, sms_url="https://portal.example/twilio/inbound/")
    numbers_sync_from_twilio()
    sandbox.client().api.v2010.accounts(sandbox.parent_sid).incoming_phone_numbers(number.sid).update(
        sms_url="https://elsewhere.example/sms")

    numbers_sync_from_twilio()

    assert PhoneNumber.objects.get(sid=number.sid).sms_url == "https://portal.example/twilio/inbound/"
    [drift] = _open(Drift.URLS_CHANGED)
    assert "elsewhere.example" in drift.twilio_value and "portal.example" in drift.portal_value


def test_a_number_released_at_twilio_is_flagged_vanished_and_its_row_kept(sandbox, sandbox_tenants):
    [tenant] = sandbox_tenants(1)
    number = _buy(sandbox, tenant.subaccount_sid)
    numbers_sync_from_twilio()
    sandbox.client().api.v2010.accounts(tenant.subaccount_sid).incoming_phone_numbers(number.sid).delete()

    numbers_sync_from_twilio()

    assert PhoneNumber.objects.filter(sid=number.sid, tenant=tenant).exists()
    assert list(_open(Drift.VANISHED).values_list("number_sid", flat=True)) == [number.sid]


def test_a_number_in_a_portal_side_move_is_not_flagged_mid_move(sandbox, sandbox_tenants):
    [tenant] = sandbox_tenants(1)
    # The move landed at Twilio; the portal's Operation has not recorded it yet.
    number = _moved_at_twilio(sandbox, tenant)
    Operation.objects.create(kind="number.transfer", target_sid=number.sid, state=Operation.State.RUNNING,
                             attempts=1, params={"from": sandbox.parent_sid, "to": tenant.subaccount_sid})

    report = numbers_sync_from_twilio()

    assert report.drifts == 0 and report.skipped_moving == 1
    assert not NumberDrift.objects.filter(resolved_at__isnull=True, kind__in=[Drift.OWNER_CHANGED, Drift.VANISHED]).exists()


def test_a_number_marked_moving_in_the_portal_is_not_flagged_mid_move(sandbox, sandbox_tenants):
    [tenant] = sandbox_tenants(1)
    number = _moved_at_twilio(sandbox, tenant)
    PhoneNumber.objects.filter(sid=number.sid).update(status=PhoneNumber.Status.MOVING)

    report = numbers_sync_from_twilio()

    assert report.drifts == 0 and report.skipped_moving == 1
    assert PhoneNumber.objects.get(sid=number.sid).tenant_id is None


def test_a_number_the_portal_gives_a_closed_tenant_is_flagged_with_that_tenant_named(sandbox, sandbox_tenants):
    active, closed = sandbox_tenants(2)
    number = _buy(sandbox, active.subaccount_sid)
    numbers_sync_from_twilio()
    PhoneNumber.objects.filter(sid=number.sid).update(tenant=closed)
    Tenant.objects.filter(pk=closed.pk).update(status=Tenant.Status.CLOSED)

    numbers_sync_from_twilio()

    [drift] = _open(Drift.OWNER_CHANGED)
    assert drift.tenant_id == closed.pk and closed.name in drift.portal_value and active.name in drift.twilio_value
    assert PhoneNumber.objects.get(sid=number.sid).tenant_id == closed.pk


def test_closed_tenants_are_not_read_and_each_account_costs_one_list_call(sandbox, sandbox_tenants):
    active, suspended, closed = sandbox_tenants(3)
    Tenant.objects.filter(pk=suspended.pk).update(status=Tenant.Status.SUSPENDED)
    Tenant.objects.filter(pk=closed.pk).update(status=Tenant.Status.CLOSED)
    for tenant in (active, suspended):
        _buy(sandbox, tenant.subaccount_sid)
    sandbox.sandbox.stats.reset()

    report = numbers_sync_from_twilio()

    requests = sandbox.sandbox.stats.to_json()["requests"]
    assert requests == {"GET /2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers.json": 3}
    assert report.accounts == 3 and report.seen == 2


def test_sync_now_is_an_operation_recording_who_asked_and_the_counts(sandbox, sandbox_tenants, support_user):
    _buy(sandbox, sandbox.parent_sid)
    operation, is_new = numbers_sync_request(requested_by=support_user)
    again, is_new_again = numbers_sync_request(requested_by=support_user)

    operation_run_numbers_sync(operation_id=operation.pk)

    operation.refresh_from_db()
    assert (is_new, is_new_again, again.pk) == (True, False, operation.pk)
    assert operation.kind == Kind.SYNC and operation.state == Operation.State.SUCCEEDED
    assert operation.result["appeared"] == 1 and operation.result["requested_by"] == support_user.username


def test_the_start_up_sync_command_adds_numbers_and_says_what_it_read(sandbox, db):
    from io import StringIO

    from django.core.management import call_command

    _buy(sandbox, sandbox.parent_sid)
    out = StringIO()
    call_command("sync_numbers", stdout=out)
    assert "Read 1 number in 1 account (1 list request): 1 added, 1 new drift record." in out.getvalue()
    assert PhoneNumber.objects.count() == 1


def test_beat_syncs_numbers_every_number_sync_interval(sandbox, db, settings):
    from owlie_portal.celery import app
    from owlie_portal.numbers.tasks import sync_numbers

    entry = settings.CELERY_BEAT_SCHEDULE["sync-numbers"]
    assert entry == {"task": "numbers.sync_numbers", "schedule": settings.NUMBER_SYNC_INTERVAL_S}
    assert entry["task"] in app.tasks
    _buy(sandbox, sandbox.parent_sid)
    assert sync_numbers.run()["appeared"] == 1
