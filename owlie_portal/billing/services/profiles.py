"""Billing settings of one tenant, validated before anything is written."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.db import transaction

from owlie_portal.errors import DomainError

from ..models import BillingProfile


def _amount(value, label: str, *, allow_empty: bool, minimum: Decimal = Decimal("0")) -> Decimal | None:
    if value in (None, ""):
        if allow_empty:
            return None
        raise DomainError(f"The {label} is required.")
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise DomainError(f"The {label} must be a number, not {value!r}.") from None
    if not amount.is_finite() or amount < minimum:
        raise DomainError(f"The {label} must be {minimum} or more, not {value}.")
    return amount


@transaction.atomic
def billing_profile_update(*, tenant, markup_percent=None, monthly_fee="0", spend_cap=None,
                           warning_percent: int = 80, cap_policy: str = BillingProfile.CapPolicy.NOTIFY
                           ) -> BillingProfile:
    """Set a tenant's markup, fee and cap; a negative or non-numeric value raises and changes nothing."""
    values = {
        "markup_percent": _amount(markup_percent, "markup percent", allow_empty=True),
        "monthly_fee": _amount(monthly_fee, "monthly platform fee", allow_empty=False),
        "spend_cap": _amount(spend_cap, "monthly spend cap", allow_empty=True, minimum=Decimal("0.01")),
    }
    if not isinstance(warning_percent, int) or not 1 <= warning_percent <= 100:
        raise DomainError("The warning level must be a whole percent from 1 to 100.")
    if cap_policy not in BillingProfile.CapPolicy.values:
        raise DomainError("The cap policy must be 'notify' or 'suspend'.")
    profile, _ = BillingProfile.objects.select_for_update().get_or_create(tenant=tenant)
    for name, value in {**values, "warning_percent": warning_percent, "cap_policy": cap_policy}.items():
        setattr(profile, name, value)
    profile.save()
    return profile
