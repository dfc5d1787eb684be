"""Billing pages (admin-styled): month overview, tenant billing, the rebilling CSV and a tenant's history CSV.

Views are thin: the audience (access.py) decides which tenants, selectors read, services write."""

from __future__ import annotations

import csv

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from owlie_portal.errors import DomainError
from owlie_portal.operations.models import Batch
from owlie_portal.operations.views import message_queued
from owlie_portal.tenants.selectors import account_managers

from . import selectors
from .access import ALL, billing_audience, billing_tenant_or_403
from .months import month_add, month_of, month_parse
from .services import usage_sync_request

PER_PAGE = 100
ESTIMATE_NOTE = "Figures are Twilio's estimates from its Usage Records; Twilio's invoice is authoritative."


def _month(request, *, today):
    text = request.GET.get("month", "")
    return month_parse(text, today=today) if text else month_add(month_of(today), -1)


def _refuse(request, context: dict, error: DomainError) -> HttpResponse:
    context.update(error=str(error), title="Billing")
    return render(request, "admin/billing/error.html", context, status=400)


def _manager_filter(request, audience, tenants):
    manager = request.GET.get("manager", "")
    if manager.isdigit() and audience.scope == ALL:
        return tenants.filter(account_manager_id=int(manager)), int(manager)
    return tenants, None


def _query(request, **changes) -> str:
    params = request.GET.copy()
    for name, value in changes.items():
        params.pop(name, None)
        if value not in (None, ""):
            params[name] = value
    return "?" + params.urlencode() if params else "?"


def _sort_links(request, sort: str) -> dict:
    """{column: (url, arrow)}: a click sorts by the column, a second click reverses it."""
    links = {}
    for column in selectors.SORTS:
        descending_first = column not in ("name", "manager")
        first = f"-{column}" if descending_first else column
        following = column if sort == f"-{column}" else f"-{column}"
        target = following if sort.lstrip("-") == column else first
        arrow = ("▼" if sort.startswith("-") else "▲") if sort.lstrip("-") == column else ""
        links[column] = (_query(request, o=target, p=None), arrow)
    return links


def month_overview(request, admin_site):
    audience = billing_audience(user=request.user, scope=request.GET.get("scope"))
    context = {**admin_site.each_context(request), "audience": audience, "note": ESTIMATE_NOTE}
    today = timezone.localdate()
    try:
        month = _month(request, today=today)
    except DomainError as error:
        return _refuse(request, context, error)
    tenants, manager_id = _manager_filter(request, audience, audience.tenants())
    sort = request.GET.get("o", "name")
    rows = selectors.month_overview_rows(tenants=tenants, month=month, today=today, sort=sort)
    paginator = Paginator(rows, PER_PAGE)
    paginator.count = tenants.count()  # the same tenants, counted without the joins
    page = paginator.get_page(request.GET.get("p"))
    categories = [(slug.replace("-", "_"), label) for slug, label in selectors.MAIN_CATEGORIES]
    for row in page:
        row["cells"] = [row[slug] for slug, _ in categories]
    context.update(
        title=f"Usage in {month:%B %Y}", month=month, sort=sort, page=page, manager_id=manager_id,
        sort_links=_sort_links(request, sort), query=_query(request, p=None),
        mine_url=_query(request, scope=None, manager=None, p=None), all_url=_query(request, scope=ALL, p=None),
        csv_url=reverse("admin:billing_rebilling_csv") + _query(request, month=f"{month:%Y-%m}", o=None, p=None),
        previous_month=month_add(month, -1), next_month=month_add(month, 1) if month < month_of(today) else None,
        totals=selectors.rebilling_totals(selectors.rebilling_rows(tenants=tenants, month=month)),
        categories=categories,
        managers=account_managers().values_list("pk", "username") if audience.scope == ALL else [],
        reconciliation=(selectors.month_reconciliation(month=month)
                        if audience.scope == ALL and manager_id is None else None),
        sync_under_way=selectors.usage_sync_under_way(),
        may_follow_batches=request.user.has_perm("operations.view_batch"),
    )
    return render(request, "admin/billing/overview.html", context)


def _chart(monthly: list[dict], daily: list) -> dict:
    return {
        "months": {"labels": [f"{row['month']:%b %Y}" for row in monthly],
                   "series": [{"label": label, "values": [str(row.get(slug.replace("-", "_"), 0)) for row in monthly]}
                              for slug, label in selectors.MAIN_CATEGORIES]},
        "days": {"labels": [f"{day:%d %b}" for day, _ in daily],
                 "series": [{"label": "Total", "values": [str(price) for _, price in daily]}]},
    }


def tenant_billing(request, admin_site, pk: int):
    audience = billing_audience(user=request.user, scope=request.GET.get("scope"))
    tenant = billing_tenant_or_403(audience=audience, pk=pk)
    today = timezone.localdate()
    current = month_of(today)
    monthly = selectors.tenant_monthly(tenant_id=tenant.pk, last=current)
    daily = selectors.tenant_daily(tenant_id=tenant.pk, month=current)
    for row in monthly:
        row["cells"] = [row.get(slug.replace("-", "_"), 0) for slug, _ in selectors.MAIN_CATEGORIES]
    context = {**admin_site.each_context(request), "audience": audience, "note": ESTIMATE_NOTE,
               "title": f"Billing: {tenant.name}", "tenant": tenant, "monthly": list(reversed(monthly)),
               "categories": [(slug.replace("-", "_"), label) for slug, label in selectors.MAIN_CATEGORIES],
               "chart": _chart(monthly, daily), "current": current,
               "profile": selectors.billing_profile_of(tenant_id=tenant.pk),
               "may_sync": audience.may_sync(tenant) and not audience.read_only}
    return render(request, "admin/billing/tenant.html", context)


def _csv_response(filename: str) -> tuple[HttpResponse, csv.writer]:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response, csv.writer(response)


def rebilling_csv(request, admin_site):
    """One row per tenant for the month, in the tenant's external reference: what an accountant imports."""
    audience = billing_audience(user=request.user, scope=request.GET.get("scope"))
    try:
        month = _month(request, today=timezone.localdate())
    except DomainError as error:
        return _refuse(request, {**admin_site.each_context(request), "audience": audience}, error)
    tenants, _ = _manager_filter(request, audience, audience.tenants())
    response, writer = _csv_response(f"rebilling-{month:%Y-%m}.csv")
    writer.writerow(["external_reference", "customer", "subaccount_sid", "month", "twilio_cost_usd_estimate",
                     "markup_percent", "markup_usd", "platform_fee_usd", "amount_to_invoice_usd"])
    for row in selectors.rebilling_rows(tenants=tenants, month=month):
        invoice = row.invoice
        writer.writerow([row.external_ref, row.name, row.subaccount_sid, f"{month:%Y-%m}", invoice.twilio_cost,
                         invoice.markup_percent, invoice.markup, invoice.fee, invoice.amount])
    return response


def tenant_history_csv(request, admin_site, pk: int):
    audience = billing_audience(user=request.user, scope=request.GET.get("scope"))
    tenant = billing_tenant_or_403(audience=audience, pk=pk)
    response, writer = _csv_response(f"usage-{tenant.external_ref}.csv")
    writer.writerow(["external_reference", "month", "category", "count", "count_unit", "usage", "usage_unit",
                     "price_estimate", "price_unit", "as_of"])
    for record in selectors.tenant_records(tenant_id=tenant.pk):
        writer.writerow([tenant.external_ref, f"{record.month:%Y-%m}", record.category, record.count,
                         record.count_unit, record.usage, record.usage_unit, record.price, record.price_unit,
                         record.as_of.isoformat() if record.as_of else ""])
    return response


@require_POST
def sync_now(request, admin_site):
    """Ask for a usage sync of one tenant (its manager, administrators) or of all (administrators)."""
    audience = billing_audience(user=request.user, scope=request.POST.get("scope"))
    tenant = billing_tenant_or_403(audience=audience, pk=int(request.POST["tenant"])) if request.POST.get(
        "tenant", "").isdigit() else None
    if not audience.may_sync(tenant) or audience.read_only:
        raise PermissionDenied("Only administrators, and account managers for their own customers, ask for a sync.")
    sync, new = usage_sync_request(requested_by=request.user, tenant=tenant)
    subject = tenant.name if tenant else "all customers"
    if new:
        parts = f" in {sync.total} parts, spread over the workers" if isinstance(sync, Batch) else ""
        message_queued(request, subject=sync, text=f"Usage sync of {subject} asked for{parts}.")
    else:
        messages.info(request, f"A usage sync of {subject} is already under way; it was not asked for twice.")
    if isinstance(sync, Batch):  # all customers: follow its parts on the batch page
        return HttpResponseRedirect(reverse("admin:operations_batch_progress", args=[sync.pk]))
    back = (reverse("admin:billing_tenant", args=[tenant.pk]) if tenant else reverse("admin:billing_overview"))
    return HttpResponseRedirect(back)

