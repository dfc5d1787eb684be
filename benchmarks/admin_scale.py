"""Tenant changelist at 100 and at 10,000 tenants, and the phone number changelist at 1,000 and at 50,000
numbers: SQL queries (must be equal) and server render time.

Rendered by Django's test client as a superuser (no network, no browser): the time is the server's.
Data is bulk-created: per tenant 2 Operations, 5 PhoneNumbers (50,000 at 10,000 tenants), 1 Messaging
Service on every other tenant (holding that tenant's first number) and an open drift record on every
20th tenant and every 50th number; 500 more numbers in the parent make the number list's small case 1,000.
Target, for both lists: equal query counts and render-time ratio ≤ 1.5.

Usage: .venv/bin/python benchmarks/admin_scale.py [--small 100] [--large 10000] [--numbers-per-tenant 5]
       [--repeat 7] [--database-url postgres://…/bench_owlie | sqlite:///file]
       .venv/bin/python benchmarks/admin_scale.py --billing [--small 100] [--large 1000]: the billing month
       overview instead, with 13 months × 10 categories of usage per tenant (its own RESULT line).
"""

from __future__ import annotations

import argparse
import statistics
import time

from _common import DEFAULT_BROKER_URL, DEFAULT_DATABASE_URL, SandboxProcess, configure_django, fresh_database, \
    portal_env, row

URL = "/admin/tenants/tenant/"
NUMBERS_URL = "/admin/numbers/phonenumber/"
PARENT_NUMBERS = 500


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=100)
    parser.add_argument("--large", type=int, default=10_000)
    parser.add_argument("--numbers-per-tenant", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--billing", action="store_true", help="the billing month overview instead (--large 1000)")
    return parser.parse_args()


def add_tenants(start: int, stop: int, numbers_per_tenant: int, manager) -> None:
    """Tenants [start, stop) with their operations, numbers, services and drift, in bulk."""
    from owlie_portal.messaging.models import MessagingService
    from owlie_portal.numbers.models import PhoneNumber
    from owlie_portal.operations.models import Operation
    from owlie_portal.tenants.kinds import Kind
    from owlie_portal.tenants.models import Tenant, TenantDrift

    statuses = [Tenant.Status.ACTIVE] * 8 + [Tenant.Status.SUSPENDED, Tenant.Status.CLOSED]
    tenants = Tenant.objects.bulk_create(
        (Tenant(name=f"Customer {i:05d}", external_ref=f"CUST-{i:05d}", subaccount_sid=f"AC{i:032x}",
                friendly_name=f"Customer {i:05d}", status=statuses[i % 10], account_manager=manager if i % 3 else None)
         for i in range(start, stop)), batch_size=2000)
    tenants = list(Tenant.objects.filter(external_ref__in=[t.external_ref for t in tenants]).order_by("pk"))
    ops = []
    for t in tenants:
        ops.append(Operation(kind=Kind.SUBACCOUNT_CREATE, tenant=t, target_sid=t.subaccount_sid,
                             state=Operation.State.SUCCEEDED, attempts=1, result_sid=t.subaccount_sid))
        ops.append(Operation(kind=Kind.SUBACCOUNT_SUSPEND, tenant=t, target_sid=t.subaccount_sid,
                             state=Operation.State.SUCCEEDED if t.pk % 4 else Operation.State.FAILED, attempts=1))
    Operation.objects.bulk_create(ops, batch_size=5000)
    MessagingService.objects.bulk_create(
        (MessagingService(sid=f"MG{t.pk:032x}", tenant=t, friendly_name=f"{t.name} notifications")
         for t in tenants if t.pk % 2), batch_size=5000)
    services = {s.tenant_id: s for s in MessagingService.objects.filter(tenant__in=tenants)}
    PhoneNumber.objects.bulk_create(
        (PhoneNumber(sid=f"PN{t.pk * 100 + k:032x}", phone_number=f"+1415{t.pk * 100 + k:07d}", tenant=t,
                     messaging_service=services.get(t.pk) if k == 0 else None)
         for t in tenants for k in range(numbers_per_tenant)), batch_size=5000)
    add_number_drift(PhoneNumber.objects.filter(tenant__in=tenants))
    TenantDrift.objects.bulk_create(
        (TenantDrift(tenant=t, subaccount_sid=t.subaccount_sid, kind=TenantDrift.Kind.STATUS_CHANGED,
                     portal_value="active", twilio_value="suspended") for t in tenants if t.pk % 20 == 0),
        batch_size=5000)


def add_number_drift(numbers) -> None:
    from owlie_portal.numbers.models import NumberDrift

    NumberDrift.objects.bulk_create(
        (NumberDrift(number_sid=n.sid, phone_number=n.phone_number, tenant_id=n.tenant_id,
                     kind=NumberDrift.Kind.URLS_CHANGED) for n in numbers.only("sid", "phone_number", "tenant_id")
         if int(n.sid[2:], 16) % 50 == 0), batch_size=5000)


def add_parent_numbers(count: int) -> None:
    from owlie_portal.numbers.models import PhoneNumber

    PhoneNumber.objects.bulk_create(
        (PhoneNumber(sid=f"PN{0xF0000000 + i:032x}", phone_number=f"+1917{i:07d}", tenant=None)
         for i in range(count)), batch_size=5000)
    add_number_drift(PhoneNumber.objects.filter(tenant__isnull=True))


def measure(client, repeat: int, url: str = URL,
            row_marker: bytes = b'name="_selected_action"') -> tuple[int, float, int]:
    """(queries for one render, median render seconds, rows shown: occurrences of `row_marker`)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    response = client.get(url)  # warm-up: templates, caches, connection
    assert response.status_code == 200, response.status_code
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    rows = response.content.count(row_marker)
    queries = len(captured.captured_queries)  # read now: the next request resets the query log
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        client.get(url)
        times.append(time.perf_counter() - started)
    return queries, statistics.median(times), rows


def main() -> None:
    args = parse_args()  # --billing: see billing_main below
    sandbox = SandboxProcess()  # only so the settings point at a sandbox; the changelist calls no Twilio
    try:
        with fresh_database(args.database_url) as db_url:
            configure_django(portal_env(database_url=db_url, broker_url=DEFAULT_BROKER_URL, sandbox=sandbox,
                                        max_concurrency=10, ALLOWED_HOSTS="localhost"))
            from django.contrib.auth import get_user_model
            from django.test import Client

            from owlie_portal.numbers.models import PhoneNumber

            user_model = get_user_model()
            admin = user_model.objects.create_superuser("bench-admin", password="bench-pass-123")
            manager = user_model.objects.create_user("bench-manager", password="bench-pass-123", is_staff=True)
            client = Client(HTTP_HOST="localhost")
            client.force_login(admin)

            add_tenants(0, args.small, args.numbers_per_tenant, manager)
            small_q, small_s, small_rows = measure(client, args.repeat)
            add_parent_numbers(PARENT_NUMBERS)
            numbers_small = PhoneNumber.objects.count()
            n_small_q, n_small_s, n_small_rows = measure(client, args.repeat, NUMBERS_URL)
            add_tenants(args.small, args.large, args.numbers_per_tenant, manager)
            numbers = PhoneNumber.objects.count()
            large_q, large_s, large_rows = measure(client, args.repeat)
            n_large_q, n_large_s, n_large_rows = measure(client, args.repeat, NUMBERS_URL)
    finally:
        sandbox.stop()

    ratio = large_s / small_s
    print(f"Tenant changelist ({URL}) as a superuser; database {db_url.split('://')[0]}; "
          f"{numbers} phone numbers at {args.large} tenants")
    print(row(f"queries at {args.large}", large_q, f"{small_q} at {args.small}"))
    print(row(f"render ms at {args.large}", f"{large_s * 1000:.1f}", f"{small_s * 1000:.1f} ms at {args.small}"))
    print(row("rows on the page", f"{large_rows}", f"{small_rows} at {args.small}"))
    print(row("render ratio", f"{ratio:.2f}", "≤ 1.5 target"))
    n_ratio = n_large_s / n_small_s
    print(f"Phone number changelist ({NUMBERS_URL}) as a superuser")
    print(row(f"queries at {numbers}", n_large_q, f"{n_small_q} at {numbers_small}"))
    print(row(f"render ms at {numbers}", f"{n_large_s * 1000:.1f}", f"{n_small_s * 1000:.1f} ms at {numbers_small}"))
    print(row("rows on the page", f"{n_large_rows}", f"{n_small_rows} at {numbers_small}"))
    print(row("render ratio", f"{n_ratio:.2f}", "≤ 1.5 target"))
    print(f"RESULT small={args.small} large={args.large} numbers={numbers} queries_small={small_q} "
          f"queries_large={large_q} queries_equal={str(small_q == large_q).lower()} "
          f"render_ms_small={small_s * 1000:.1f} render_ms_large={large_s * 1000:.1f} ratio={ratio:.2f} "
          f"numbers_small={numbers_small} numbers_large={numbers} numbers_queries_small={n_small_q} "
          f"numbers_queries_large={n_large_q} numbers_queries_equal={str(n_small_q == n_large_q).lower()} "
          f"numbers_render_ms_small={n_small_s * 1000:.1f} numbers_render_ms_large={n_large_s * 1000:.1f} "
          f"numbers_ratio={n_ratio:.2f}")


# --- Billing: the month overview at 100 and 1,000 tenants (13 months × 10 categories each) -----------------

BILLING_URL = "/admin/billing/usagerecord/overview/"
BILLING_CATEGORIES = ["totalprice", "sms", "sms-outbound", "sms-inbound", "phonenumbers", "calls", "calls-inbound",
                      "calls-outbound", "mms", "recordings"]


def add_usage(start: int, stop: int, manager) -> int:
    """Tenants [start, stop), each with 13 months × 10 categories of monthly usage; returns records made."""
    from decimal import Decimal

    from django.utils import timezone

    from owlie_portal.billing.models import BillingProfile, UsageRecord
    from owlie_portal.billing.months import month_add, month_of
    from owlie_portal.tenants.models import Tenant

    Tenant.objects.bulk_create(
        (Tenant(name=f"Customer {i:05d}", external_ref=f"CUST-{i:05d}", subaccount_sid=f"AC{i:032x}",
                friendly_name=f"Customer {i:05d}", status=Tenant.Status.ACTIVE, account_manager=manager)
         for i in range(start, stop)), batch_size=2000)
    tenants = list(Tenant.objects.filter(external_ref__gte=f"CUST-{start:05d}", external_ref__lt=f"CUST-{stop:05d}"))
    BillingProfile.objects.bulk_create(BillingProfile(tenant=t, monthly_fee=Decimal("9.50")) for t in tenants if t.pk % 2)
    current = month_of(timezone.localdate())
    records = [UsageRecord(tenant=t, account_sid=t.subaccount_sid, category=category, period="month", month=month,
                           start=month, end=month, count=t.pk % 97, usage=t.pk % 97,
                           price=Decimal(t.pk % 89 + k) / 7, price_unit="usd")
               for t in tenants for month in (month_add(current, -m) for m in range(13))
               for k, category in enumerate(BILLING_CATEGORIES)]
    UsageRecord.objects.bulk_create(records, batch_size=5000)
    return len(records)


def billing_main(args: argparse.Namespace) -> None:
    large = min(args.large, 1000) if args.large == 10_000 else args.large
    sandbox = SandboxProcess()
    try:
        with fresh_database(args.database_url) as db_url:
            configure_django(portal_env(database_url=db_url, broker_url=DEFAULT_BROKER_URL, sandbox=sandbox,
                                        max_concurrency=10, ALLOWED_HOSTS="localhost"))
            from django.contrib.auth import get_user_model
            from django.test import Client

            user_model = get_user_model()
            admin = user_model.objects.create_superuser("bench-admin", password="bench-pass-123")
            client = Client(HTTP_HOST="localhost")
            client.force_login(admin)
            url = BILLING_URL + "?o=-total"
            records = add_usage(0, args.small, admin)
            small_q, small_s, small_rows = measure(client, args.repeat, url, row_marker=b'class="billing-row"')
            records += add_usage(args.small, large, admin)
            large_q, large_s, large_rows = measure(client, args.repeat, url, row_marker=b'class="billing-row"')
    finally:
        sandbox.stop()
    ratio = large_s / small_s
    print(f"Billing month overview ({BILLING_URL}, sorted by total) as a superuser; database {db_url.split('://')[0]}; "
          f"{records} usage records at {large} tenants")
    print(row(f"queries at {large}", large_q, f"{small_q} at {args.small}"))
    print(row(f"render ms at {large}", f"{large_s * 1000:.1f}", f"{small_s * 1000:.1f} ms at {args.small}"))
    print(row("rows on the page", large_rows, f"{small_rows} at {args.small}"))
    print(row("render ratio", f"{ratio:.2f}", "≤ 1.5 target"))
    print(f"RESULT page=billing_overview small={args.small} large={large} records={records} queries_small={small_q} "
          f"queries_large={large_q} queries_equal={str(small_q == large_q).lower()} "
          f"render_ms_small={small_s * 1000:.1f} render_ms_large={large_s * 1000:.1f} ratio={ratio:.2f}")


if __name__ == "__main__":
    _args = parse_args()
    billing_main(_args) if _args.billing else main()
