"""Bulk move of N parent numbers into tenants through the real path, beside the loop a user writes today.

Real path: `numbers_bulk_move` (one Batch per target tenant, one `number.transfer` Operation per number,
tasks sent on commit) → Redis → worker subprocesses (`celery -A owlie_portal worker`) → sandbox over HTTP
(latency, per-account concurrency limit) → PostgreSQL, timed from the first service call until every
Operation is final. Each move makes every Twilio call of its steps: read the number in the source
(drift check and URLs kept), transfer with the parent's credentials, read it in the target (verify).
Baseline: a sequential loop of
`client.api.v2010.accounts(parent).incoming_phone_numbers(sid).update(account_sid=tenant)` with the plain
twilio client against the same sandbox, on a second set of N parent numbers.

Targets (issue 9): ratio_to_ideal ≤ 1.5 (ideal = every Twilio call of the moves × latency / limit),
failed = 0.

Usage: .venv/bin/python benchmarks/bulk_move.py [--n 500] [--tenants 10] [--workers 2]
       [--database-url postgres://postgres@127.0.0.1:5432/n2bench] [--broker-url redis://127.0.0.1:6379/9]
       [--baseline-sample N]   (time only N sequential transfers and extrapolate; default: all N)
"""

from __future__ import annotations

import argparse
import time
from concurrent.futures import ThreadPoolExecutor

from _common import (DEFAULT_BROKER_URL, DEFAULT_DATABASE_URL, PARENT_SID, Workers, configure_django,
                     fresh_database, portal_env, purge_broker, row, sandbox_process, threads_per_worker)

NUMBER_ITEM = "/2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers/{Sid}.json"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=500)
    parser.add_argument("--tenants", type=int, default=10, help="target tenants; the numbers are spread over them")
    parser.add_argument("--latency-ms", type=float, default=100)
    parser.add_argument("--concurrency", type=int, default=25, help="sandbox limit = TWILIO_MAX_CONCURRENCY")
    parser.add_argument("--pool", default="threads", choices=["threads", "prefork"])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--worker-concurrency", type=int, default=None, help="per worker; default 1.5 x concurrency / workers")
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--broker-url", default=DEFAULT_BROKER_URL)
    parser.add_argument("--baseline-sample", type=int, default=None)
    return parser.parse_args()


def buy_parent_numbers(sandbox, count: int) -> list[tuple[str, str]]:
    """(SID, number) of `count` numbers bought into the parent, with URLs a move must keep."""
    def buy(i: int):
        bought = sandbox.client().api.v2010.accounts(PARENT_SID).incoming_phone_numbers.create(
            phone_number=f"+1415{3000000 + i}", voice_url=f"https://example.com/voice/{i}",
            sms_url=f"https://example.com/sms/{i}")
        return bought.sid, bought.phone_number

    with ThreadPoolExecutor(max_workers=8) as pool:
        return list(pool.map(buy, range(count)))


def make_inventory(tenant_sids: list[str], numbers: list[tuple[str, str]]):
    from owlie_portal.numbers.models import PhoneNumber
    from owlie_portal.tenants.models import Tenant

    Tenant.objects.bulk_create(
        Tenant(name=f"Bench {i:03d}", external_ref=f"BENCH-{i:03d}", subaccount_sid=sid, status=Tenant.Status.ACTIVE,
               friendly_name=f"Bench {i:03d}") for i, sid in enumerate(tenant_sids))
    PhoneNumber.objects.bulk_create(
        PhoneNumber(sid=sid, phone_number=number, tenant=None, voice_url=f"https://example.com/voice/{i}",
                    sms_url=f"https://example.com/sms/{i}") for i, (sid, number) in enumerate(numbers))
    return list(Tenant.objects.order_by("pk"))


def run_bulk(tenants, numbers: list[tuple[str, str]]) -> tuple[float, float, dict]:
    """(wall seconds until every Operation is final, seconds in the service calls, states)."""
    from django.contrib.auth import get_user_model
    from django.db.models import Count

    from owlie_portal.numbers.services import numbers_bulk_move
    from owlie_portal.operations.models import Operation

    user = get_user_model().objects.create_superuser("bench", password="bench-pass-123")
    share = -(-len(numbers) // len(tenants))
    started = time.perf_counter()
    batches = [numbers_bulk_move(number_sids=[sid for sid, _ in numbers[i * share:(i + 1) * share]], target=tenant,
                                 requested_by=user) for i, tenant in enumerate(tenants)]
    enqueued = time.perf_counter() - started
    pending = Operation.objects.filter(batch__in=batches).exclude(state__in=Operation.FINAL_STATES)
    while pending.exists():
        time.sleep(0.02)
    wall = time.perf_counter() - started
    states = dict(Operation.objects.filter(batch__in=batches).values_list("state").annotate(n=Count("pk")))
    assert sum(b.total for b in batches) == len(numbers), "some numbers were refused"
    return wall, enqueued, states


def run_sequential(sandbox, sids: list[str], tenant_sids: list[str]) -> float:
    client = sandbox.client()
    started = time.perf_counter()
    for i, sid in enumerate(sids):
        client.api.v2010.accounts(PARENT_SID).incoming_phone_numbers(sid).update(
            account_sid=tenant_sids[i % len(tenant_sids)])
    return time.perf_counter() - started


def twilio_calls(stats: dict) -> int:
    return sum(count for endpoint, count in stats["requests"].items() if not endpoint.startswith("POST /_sandbox"))


def main() -> None:
    args = parse_args()
    n, latency_s, limit = args.n, args.latency_ms / 1000, args.concurrency
    per_worker = args.worker_concurrency or threads_per_worker(limit, args.workers)
    sample = min(args.baseline_sample or n, n)
    with sandbox_process(max_subaccounts=args.tenants + 10) as sandbox, fresh_database(args.database_url) as db_url:
        tenant_sids = sandbox.create_subaccounts(args.tenants, prefix="Bench")
        numbers = buy_parent_numbers(sandbox, 2 * n)
        portal_numbers, baseline_numbers = numbers[:n], numbers[n:]
        env = portal_env(database_url=db_url, broker_url=args.broker_url, sandbox=sandbox, max_concurrency=limit)
        configure_django(env)
        from owlie_portal.celery import app as celery_app
        from owlie_portal.numbers.models import PhoneNumber

        purge_broker(args.broker_url)
        tenants = make_inventory(tenant_sids, portal_numbers)
        workers = Workers(env, count=args.workers, pool=args.pool, concurrency=per_worker)
        try:
            workers.wait_ready(celery_app)
            sandbox.faults(latency_ms=args.latency_ms, concurrency_limit=limit)
            sandbox.control("stats/reset")
            wall, enqueued, states = run_bulk(tenants, portal_numbers)
            stats = sandbox.stats()
        finally:
            workers.stop()
            purge_broker(args.broker_url)
        at_twilio = {row_["sid"]: row_["account_sid"] for row_ in sandbox.control("state", "GET")["numbers"]}
        moved_at_twilio = sum(1 for sid, _ in portal_numbers if at_twilio.get(sid) in set(tenant_sids))
        moved_in_db = PhoneNumber.objects.filter(tenant__isnull=False, status=PhoneNumber.Status.ACTIVE).count()
        sequential = run_sequential(sandbox, [sid for sid, _ in baseline_numbers[:sample]], tenant_sids) * n / sample

    calls = twilio_calls(stats)
    ideal = calls * latency_s / limit
    peak = stats["peak_in_flight"].get(PARENT_SID, 0)
    failed = states.get("failed", 0) + (n - sum(states.values()))
    print(f"Bulk move of {n} parent numbers into {args.tenants} tenants — sandbox latency {args.latency_ms:.0f} ms, "
          f"limit {limit}; pool={args.pool} workers={args.workers}x{per_worker}; database {db_url.split('://')[0]}")
    print(row("wall_s (real path)", f"{wall:.2f}", f"{sequential:.2f} sequential", " s"))
    print(row("twilio calls", calls, f"{n} in the sequential loop"))
    print(row("calls per move", f"{calls / n:.2f}"))
    print(row("ideal_s (calls*latency/limit)", f"{ideal:.2f}", unit=" s"))
    print(row("service calls (enqueue) s", f"{enqueued:.2f}", unit=" s"))
    print(row("ratio_to_ideal", f"{wall / ideal:.2f}", "≤ 1.5 target"))
    print(row("speedup_vs_sequential", f"{sequential / wall:.1f}"))
    print(row("peak_in_flight", peak, f"≤ {limit} target"))
    print(row("429 answers (retried)", stats["responses"].get("429", 0)))
    print(row("operations by state", states))
    print(row("moved at sandbox / DB", f"{moved_at_twilio} / {moved_in_db}", n))
    print(f"  baseline: sequential loop of {sample} transfer(s)" + (f", extrapolated to {n}" if sample < n else ""))
    print(f"RESULT n={n} pool={args.pool} wall_s={wall:.2f} ideal_s={ideal:.2f} ratio_to_ideal={wall / ideal:.2f} "
          f"speedup_vs_sequential={sequential / wall:.1f} sequential_s={sequential:.1f} calls={calls} "
          f"peak_in_flight={peak} failed={failed}")


if __name__ == "__main__":
    main()
