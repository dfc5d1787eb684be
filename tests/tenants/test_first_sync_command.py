"""`make run` syncs once at start (manage.py sync_subaccounts): a subaccount made outside the portal shows
as drift right away instead of after the first beat interval."""

import io

from django.core.management import call_command

from owlie_portal.tenants.models import TenantDrift


def test_the_start_up_sync_records_a_subaccount_made_outside_the_portal(db, sandbox):
    outside = sandbox.client().api.v2010.accounts.create(friendly_name="Made in Twilio's console")
    out = io.StringIO()

    call_command("sync_subaccounts", stdout=out)

    drift = TenantDrift.objects.get(subaccount_sid=outside.sid)
    assert drift.kind == TenantDrift.Kind.UNKNOWN_SUBACCOUNT
    assert "1 new drift record" in out.getvalue()
