"""Reads for the billing pages and exports: a constant number of queries whatever the number of tenants."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import DecimalField, Exists, F, FilteredRelation, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from owlie_portal.operations.models import Batch, Operation
from owlie_portal.operations.selectors import BatchProgress, batch_progress

from .kinds import Kind
from .models import BillingProfile, UsageRecord
from .money import Invoice
from .months import month_add, month_of

Period, Scope = UsageRecord.Period, UsageRecord.Scope
TOTAL = "totalprice"
# The categories every page shows as columns (Twilio returns more; they stay in the tenant's history CSV).
MAIN_CATEGORIES = [("sms-outbound", "Outbound SMS"), ("sms-inbound", "Inbound SMS"), ("phonenumbers", "Phone numbers")]
SORTS = {"name": "name", "total": "total", "change": "change", "manager": "account_manager__username",
         **{slug.replace("-", "_"): slug.replace("-", "_") for slug, _ in MAIN_CATEGORIES}}
ZERO = Decimal("0")


def _record(month: date, category: str) -> FilteredRelation:
    """The tenant's one monthly record of `category` (billing_one_record_per_period): a LEFT JOIN on an
    index, no GROUP BY, so sorting a thousand tenants by total stays cheap."""
    return FilteredRelation("usage_records", condition=Q(
        usage_records__scope=Scope.TENANT, usage_records__period=Period.MONTH, usage_records__month=month,
        usage_records__category=category))


def _price(alias: str):
    return Coalesce(F(f"{alias}__price"), ZERO, output_field=DecimalField(max_digits=18, decimal_places=6))


def month_overview_rows(*, tenants: QuerySet, month: date, today: date, sort: str = "name") -> QuerySet:
    """Tenants with the month's total, main categories, change vs the previous month and this month's spend
    flag, sorted."""
    slugs = {slug.replace("-", "_"): slug for slug, _ in MAIN_CATEGORIES}
    relations = {"r_total": _record(month, TOTAL), "r_previous": _record(month_add(month, -1), TOTAL),
                 **{f"r_{name}": _record(month, slug) for name, slug in slugs.items()}}
    columns = {name: _price(f"r_{name}") for name in slugs}
    rows = (tenants.annotate(**relations)
            .annotate(total=_price("r_total"), previous_total=_price("r_previous"), **columns)
            .annotate(change=F("total") - F("previous_total"), spend_flag=spend_flag_expression(today=today))
            .values("pk", "name", "external_ref", "status", "account_manager__username", "total", "previous_total",
                    "change", "spend_flag", *columns))
    field = SORTS.get(sort.lstrip("-"), "name")
    ordering = F(field).desc(nulls_last=True) if sort.startswith("-") else F(field).asc(nulls_last=True)
    return rows.order_by(ordering, "pk")


@dataclass(frozen=True)
class RebillRow:
    tenant_id: int
    name: str
    external_ref: str
    subaccount_sid: str
    account_manager: str
    invoice: Invoice


def rebilling_rows(*, tenants: QuerySet, month: date) -> list[RebillRow]:
    """One row per tenant: Twilio's estimated cost, markup, fee and the amount to invoice (one query)."""
    total = FilteredRelation("usage_records", condition=Q(
        usage_records__scope=Scope.TENANT, usage_records__period=Period.MONTH, usage_records__month=month,
        usage_records__category=TOTAL))  # at most one row per tenant (billing_one_record_per_period)
    rows = tenants.annotate(t=total).annotate(cost=F("t__price"), markup_percent=F("billing_profile__markup_percent"),
                            fee=F("billing_profile__monthly_fee")).values(
        "pk", "name", "external_ref", "subaccount_sid", "account_manager__username", "cost", "markup_percent",
        "fee").order_by("name", "pk")
    return [RebillRow(tenant_id=r["pk"], name=r["name"], external_ref=r["external_ref"],
                      subaccount_sid=r["subaccount_sid"] or "", account_manager=r["account_manager__username"] or "",
                      invoice=Invoice.of(cost=r["cost"], markup_percent=r["markup_percent"], fee=r["fee"]))
            for r in rows]


@dataclass(frozen=True)
class Totals:
    twilio_cost: Decimal
    markup: Decimal
    fee: Decimal
    amount: Decimal
    tenants: int


def rebilling_totals(rows: list[RebillRow]) -> Totals:
    return Totals(twilio_cost=sum((r.invoice.twilio_cost for r in rows), ZERO),
                  markup=sum((r.invoice.markup for r in rows), ZERO), fee=sum((r.invoice.fee for r in rows), ZERO),
                  amount=sum((r.invoice.amount for r in rows), ZERO), tenants=len(rows))


@dataclass(frozen=True)
class Reconciliation:
    tenants_total: Decimal   # every tenant in the portal
    parent_own: Decimal      # the parent's own usage (IncludeSubaccounts=false)
    parent_all: Decimal | None  # the parent with every subaccount, as Twilio adds it up

    @property
    def portal_total(self) -> Decimal:
        return self.tenants_total + self.parent_own

    @property
    def difference(self) -> Decimal | None:
        return None if self.parent_all is None else self.parent_all - self.portal_total


def month_reconciliation(*, month: date) -> Reconciliation:
    """The portal's sum beside Twilio's parent-level total for the month (two queries)."""
    sums = UsageRecord.objects.filter(period=Period.MONTH, month=month, category=TOTAL).aggregate(
        tenants=Sum("price", filter=Q(scope=Scope.TENANT)), own=Sum("price", filter=Q(scope=Scope.PARENT_OWN)))
    parent_all = (UsageRecord.objects.filter(scope=Scope.PARENT_ALL, period=Period.MONTH, month=month,
                                             category=TOTAL).values_list("price", flat=True).first())
    return Reconciliation(tenants_total=sums["tenants"] or ZERO, parent_own=sums["own"] or ZERO, parent_all=parent_all)


def tenant_monthly(*, tenant_id: int, last: date, months: int = 13) -> list[dict]:
    """[{month, total, <category slug>: price, …}] for the `months` months ending with `last`, oldest first."""
    first = month_add(last, -(months - 1))
    table = {month_add(first, k): {"month": month_add(first, k), "total": ZERO} for k in range(months)}
    for month, category, price in UsageRecord.objects.filter(
            tenant_id=tenant_id, period=Period.MONTH, month__gte=first, month__lte=last).values_list(
            "month", "category", "price"):
        if month in table:
            table[month]["total" if category == TOTAL else category.replace("-", "_")] = price
    return list(table.values())


def tenant_daily(*, tenant_id: int, month: date) -> list[tuple[date, Decimal]]:
    return list(UsageRecord.objects.filter(tenant_id=tenant_id, period=Period.DAY, month=month, category=TOTAL)
                .order_by("start").values_list("start", "price"))


def tenant_records(*, tenant_id: int) -> QuerySet:
    """Every stored monthly record of a tenant, for its history CSV."""
    return UsageRecord.objects.filter(tenant_id=tenant_id, period=Period.MONTH).order_by("month", "category")


def spend_flag_expression(*, today: date):
    """An Exists() the tenants changelist can annotate: the tenant crossed its warning level this month."""
    return Exists(BillingProfile.objects.filter(tenant_id=OuterRef("pk"), warned_month=month_of(today)))


def billing_profile_of(*, tenant_id: int) -> BillingProfile | None:
    return BillingProfile.objects.filter(tenant_id=tenant_id).first()


@dataclass(frozen=True)
class SyncUnderWay:
    batch: Batch
    progress: BatchProgress


def all_customers_sync_open() -> QuerySet:
    """The open Operations of a sync of all customers (a batch's parts, or one Operation from before
    batches), with their batch."""
    return (Operation.objects.filter(kind=Kind.USAGE_SYNC, tenant=None, state__in=Operation.OPEN_STATES)
            .select_related("batch"))


def usage_sync_under_way() -> SyncUnderWay | None:
    """The sync of all customers still running, with its parts' progress (two queries at most)."""
    part = all_customers_sync_open().filter(batch__isnull=False).first()
    if part is None:
        return None
    return SyncUnderWay(batch=part.batch, progress=batch_progress(batch=part.batch))
