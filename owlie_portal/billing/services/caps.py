"""Spend caps, checked after each sync against the month's estimated total (category totalprice).

Crossing the warning level flags the tenant and emails its account manager, once a month. Crossing the
cap, where the tenant's policy says so, asks for the ordinary suspend Operation with the reason
"spend cap", once a month: a person who reactivates the subaccount is not overruled by the next sync.
"""

from __future__ import annotations

import logging
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import OuterRef, Subquery

from owlie_portal.errors import DomainError
from owlie_portal.tenants.kinds import Kind as TenantKind
from owlie_portal.tenants.models import Tenant
from owlie_portal.tenants.services import tenant_request_status_change

from ..models import BillingProfile, UsageRecord

logger = logging.getLogger(__name__)


def _month_total(month: date):
    return Subquery(UsageRecord.objects.filter(
        tenant_id=OuterRef("tenant_id"), scope=UsageRecord.Scope.TENANT, period=UsageRecord.Period.MONTH,
        month=month, category="totalprice").values("price")[:1])


def spend_check(*, tenant_ids: list[int], month: date) -> dict:
    """Warn and cap the tenants whose month total crossed their levels; returns {"warned": n, "capped": n}."""
    profiles = (BillingProfile.objects.filter(tenant_id__in=tenant_ids, spend_cap__isnull=False)
                .annotate(month_total=_month_total(month)).select_related("tenant__account_manager"))
    done = {"warned": 0, "capped": 0}
    for profile in profiles:
        total = profile.month_total or Decimal("0")
        if total >= profile.spend_cap * profile.warning_percent / 100:
            done["warned"] += _warn(profile, month, total)
        if total >= profile.spend_cap and profile.cap_policy == BillingProfile.CapPolicy.SUSPEND:
            done["capped"] += _cap(profile, month, total)
    return done


def _warn(profile: BillingProfile, month: date, total: Decimal) -> bool:
    with transaction.atomic():
        won = BillingProfile.objects.filter(pk=profile.pk).exclude(warned_month=month).update(warned_month=month)
        if won:
            transaction.on_commit(lambda: _email_manager(profile, month, total))
    return bool(won)


def _email_manager(profile: BillingProfile, month: date, total: Decimal) -> None:
    tenant, manager = profile.tenant, profile.tenant.account_manager
    if manager is None or not manager.email:
        logger.warning("spend warning for %s: no account manager with an email address to tell", tenant.name)
        return
    send_mail(
        subject=f"Spend warning: {tenant.name} at {total:.2f} USD of its {profile.spend_cap} USD cap",
        message=(f"{tenant.name} ({tenant.external_ref}) has used an estimated {total:.2f} USD in "
                 f"{month:%B %Y}, past its warning level of {profile.warning_percent}% of the "
                 f"{profile.spend_cap} USD monthly cap.\nThe figure is Twilio's estimate; the invoice is "
                 f"authoritative.\nCap policy: {profile.get_cap_policy_display()}."),
        from_email=settings.DEFAULT_FROM_EMAIL, recipient_list=[manager.email], fail_silently=True)


def _cap(profile: BillingProfile, month: date, total: Decimal) -> bool:
    tenant = profile.tenant
    if tenant.status != Tenant.Status.ACTIVE:
        return False
    try:
        with transaction.atomic():
            if not BillingProfile.objects.filter(pk=profile.pk).exclude(capped_month=month).update(capped_month=month):
                return False  # this month's crossing was already acted on
            tenant_request_status_change(
                tenant=tenant, kind=TenantKind.SUBACCOUNT_SUSPEND, requested_by=None,
                reason=Tenant.SuspensionReason.SPEND_CAP,
                note=f"Estimated spend {total:.2f} USD in {month:%B %Y} crossed the {profile.spend_cap} USD cap.")
    except DomainError as refusal:  # e.g. another operation in progress: the next sync tries again
        logger.info("spend cap of %s not applied now: %s", tenant.name, refusal)
        return False
    return True
