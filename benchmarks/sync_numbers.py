"""Sync of every account's phone numbers (1,000 tenants × 5 numbers) beside a sequential loop.

The portal's `numbers_sync_from_twilio` lists each account's IncomingPhoneNumbers (PageSize 1000) from a
small thread pool bounded by the concurrency budget, compares with the inventory and records drift.
The baseline is the loop a user writes today: one account after the other (timed on a sample of accounts,
extrapolated). Both run against one sandbox process with the same latency.

The parent holds 1,200 numbers, so it takes 2 pages: list_calls target = tenants + 2.
ideal_s = list_calls × latency / concurrency (the budget's floor). Drift is made at Twilio before the
measured run: numbers moved between tenants, URLs changed, numbers released and numbers bought outside.

Usage: .venv/bin/python benchmarks/sync_numbers.py [--tenants 1000] [--per-tenant 5] [--parent-numbers 1200]
       [--latency-ms 50] [--concurrency 25] [--changed 20] [--baseline-sample 100]
       [--database-url postgres://…/<yours> | sqlite:///file] [--broker-url redis://…/<your db>]
"""

from __future__ import annotations

import argparse
import math
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from _common import DEFAULT_BROKER_URL, DEFAULT_DATABASE_URL, PARENT_SID, configure_django, fresh_database, \
    portal_env, row, sandbox_process

LIST_ENDPOINT = "GET /2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers.json"
PAGE_SIZE = 1000


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tenants", type=int, default=1000)
    parser.add_argument("--per-tenant", type=int, default=5)
    parser.add_argument("--parent-numbers", type=int, default=1200)
    parser.add_argument("--latency-ms", type=float, default=50)
    parser.add_argument("--concurrency", type=int, default=25)
    parser.add_argument("--changed", type=int, default=20, help="numbers per kind of change made at Twilio")
    parser.add_argument("--baseline-sample", type=int, default=100)
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--broker-url", default=DEFAULT_BROKER_URL)
    return parser.parse_args()


def _phone(i: int) -> str:
    return f"+1415{200 + i % 800}{i // 800:04d}"


def buy_numbers(sandbox, owners: list[str], threads: int = 8) -> list[tuple[str, str]]:
    """Buy one number per entry of `owners` (an account SID each), in parallel; (account, PN sid) pairs."""
    local = threading.local()

    def buy(i: int) -> tuple[str, str]:
        if not hasattr(local, "client"):
            local.client = sandbox.client()
        account = owners[i]
        created = local.client.api.v2010.accounts(account).incoming_phone_numbers.create(
            phone_number=_phone(i), sms_url="https://portal.example/twilio/inbound/")
        return account, created.sid

    with ThreadPoolExecutor(max_workers=threads) as pool:
        return list(pool.map(buy, range(len(owners))))


def make_drift(sandbox, numbers: list[tuple[str, str]], tenant_sids: list[str], changed: int, start: int) -> int:
    """Change things at Twilio behind the portal's back; returns how many drift records they should make."""
    client = sandbox.client()
    picks = random.Random(9).sample([n for n in numbers if n[0] != PARENT_SID], 3 * changed)
    moved, urls, released = picks[:changed], picks[changed:2 * changed], picks[2 * changed:]
    for account, sid in moved:
        target = next(t for t in tenant_sids if t != account)
        client.api.v2010.accounts(account).incoming_phone_numbers(sid).update(account_sid=target)
    for account, sid in urls:
        client.api.v2010.accounts(account).incoming_phone_numbers(sid).update(sms_url="https://elsewhere.example/sms")
    for account, sid in released:
        client.api.v2010.accounts(account).incoming_phone_numbers(sid).delete()
    for k in range(changed):  # bought outside the portal
        client.api.v2010.accounts(tenant_sids[k]).incoming_phone_numbers.create(phone_number=_phone(start + k))
    return 4 * changed


def baseline(sandbox, accounts: list[str], sample: int) -> float:
    """The loop a user writes: each account's numbers listed one after the other (extrapolated)."""
    client = sandbox.client()
    chosen = accounts[:sample]
    started = time.perf_counter()
    for account in chosen:
        client.api.v2010.accounts(account).incoming_phone_numbers.list(page_size=PAGE_SIZE)
    return (time.perf_counter() - started) * len(accounts) / len(chosen)


def read_only(accounts: list[str], workers: int) -> float:
    """The same concurrent reads through the gateway, without comparing: the HTTP floor on this machine."""
    from owlie_portal.numbers.services.inventory import _read_account

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(_read_account, accounts))
    return time.perf_counter() - started


def main() -> None:
    args = parse_args()
    n = args.tenants
    with sandbox_process(max_subaccounts=n + 10) as sandbox, fresh_database(args.database_url) as db_url:
        tenant_sids = sandbox.create_subaccounts(n, prefix="Numbers")
        owners = [PARENT_SID] * args.parent_numbers + [sid for sid in tenant_sids for _ in range(args.per_tenant)]
        numbers = buy_numbers(sandbox, owners)
        configure_django(portal_env(database_url=db_url, broker_url=args.broker_url, sandbox=sandbox,
                                    max_concurrency=args.concurrency))
        from owlie_portal.numbers.models import NumberDrift
        from owlie_portal.numbers.services import numbers_sync_from_twilio
        from owlie_portal.tenants.models import Tenant

        Tenant.objects.bulk_create(
            Tenant(name=f"Numbers {i:05d}", external_ref=f"NUM-{i:05d}", subaccount_sid=sid,
                   friendly_name=f"Numbers {i:05d}", status=Tenant.Status.ACTIVE) for i, sid in enumerate(tenant_sids))
        numbers_sync_from_twilio()  # fills the inventory (every number "appeared"); not measured
        NumberDrift.objects.all().delete()
        expected_drifts = make_drift(sandbox, numbers, tenant_sids, args.changed, start=len(owners))
        sandbox.faults(latency_ms=args.latency_ms)
        sandbox.control("stats/reset")

        started = time.perf_counter()
        report = numbers_sync_from_twilio()
        wall_s = time.perf_counter() - started
        stats = sandbox.stats()
        by_kind = {k: NumberDrift.objects.filter(kind=k, resolved_at__isnull=True).count()
                   for k in NumberDrift.Kind.values}
        accounts = [PARENT_SID, *tenant_sids]
        read_s = read_only(accounts, args.concurrency)
        loop_s = baseline(sandbox, accounts, min(args.baseline_sample, len(accounts)))

    list_calls = stats["requests"].get(LIST_ENDPOINT, 0)
    target = n + math.ceil(args.parent_numbers / PAGE_SIZE)
    ideal_s = list_calls * args.latency_ms / 1000 / args.concurrency
    print(f"Number sync of {n} tenants × {args.per_tenant} numbers + {args.parent_numbers} in the parent; "
          f"latency {args.latency_ms:.0f} ms, concurrency {args.concurrency}; database {db_url.split('://')[0]}")
    print(row("IncomingPhoneNumbers lists", list_calls, f"target {target}: one per account + parent's 2nd page"))
    print(row("other Twilio requests", stats["total_requests"] - list_calls))
    print(row("sync wall_s", f"{wall_s:.2f}", f"{loop_s:.1f} s sequential loop", ""))
    print(row("  of which reading (alone)", f"{read_s:.2f}", "the same reads without the comparison"))
    print(row("ideal_s", f"{ideal_s:.2f}", "list calls × latency / concurrency"))
    print(row("seen / appeared / new drift", f"{report.seen} / {report.appeared} / {report.drifts}"))
    print(row("open drift by kind", by_kind, f"{expected_drifts} made at Twilio"))
    print(f"  baseline: {min(args.baseline_sample, n + 1)} accounts listed one after another, extrapolated "
          f"to {n + 1}")
    print(f"RESULT tenants={n} numbers={report.seen} list_calls={list_calls} list_calls_target={target} "
          f"wall_s={wall_s:.2f} ideal_s={ideal_s:.2f} ratio_to_ideal={wall_s / ideal_s:.2f} "
          f"read_only_s={read_s:.2f} sequential_s={loop_s:.1f} speedup={loop_s / wall_s:.1f} drifts={report.drifts} "
          f"drifts_expected={expected_drifts}")


if __name__ == "__main__":
    main()
