"""Who sees which customers' billing.

- Everyone here needs `tenants.view_billing` (Account managers and Administrators have it; support staff
  only when given it).
- An account manager sees their own customers (the tenant's account manager) by default and may switch
  to all customers, read-only. The scope is part of the URL (`?scope=all`): a tenant of another manager is
  shown only in the "all customers" scope, read-only; without it the answer is 403 (tests/billing/test_access.py).
- Administrators (billing.change_billingprofile) see all and may change settings and ask for syncs; anyone
  else with the permission sees all, read-only.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from owlie_portal.tenants.models import Tenant
from owlie_portal.tenants.selectors import ACCOUNT_MANAGERS_GROUP

MINE, ALL = "mine", "all"


@dataclass(frozen=True)
class Audience:
    user_id: int
    scope: str  # MINE or ALL
    is_manager: bool
    can_edit: bool

    @property
    def read_only(self) -> bool:
        return not self.can_edit and (self.scope == ALL or not self.is_manager)

    @property
    def query(self) -> str:
        return "?scope=all" if self.scope == ALL else ""

    def tenants(self) -> QuerySet:
        """The tenants this person sees in this scope (with a subaccount: the others have no usage)."""
        tenants = Tenant.objects.filter(subaccount_sid__isnull=False)
        return tenants.filter(account_manager_id=self.user_id) if self.scope == MINE else tenants

    def may_sync(self, tenant: Tenant | None) -> bool:
        if self.can_edit:
            return True
        return tenant is not None and self.scope == MINE and tenant.account_manager_id == self.user_id


def billing_audience(*, user, scope: str | None) -> Audience:
    """The viewer's audience for `scope` ('all' or anything else); PermissionDenied without view_billing."""
    if not user.is_active or not user.has_perm("tenants.view_billing"):
        raise PermissionDenied("Billing needs the 'Can view billing' permission.")
    can_edit = user.has_perm("billing.change_billingprofile")
    is_manager = not can_edit and user.groups.filter(name=ACCOUNT_MANAGERS_GROUP).exists()
    chosen = MINE if is_manager and scope != ALL else ALL
    return Audience(user_id=user.pk, scope=chosen, is_manager=is_manager, can_edit=can_edit)


def billing_tenant_or_403(*, audience: Audience, pk: int) -> Tenant:
    tenant = audience.tenants().filter(pk=pk).select_related("account_manager").defer("auth_token", "api_key_secret").first()
    if tenant is None:
        if audience.scope == MINE and Tenant.objects.filter(pk=pk).exists():
            raise PermissionDenied("This customer has another account manager; switch to all customers to see it, "
                                   "read-only.")
        raise Http404("No such customer in billing.")
    return tenant
