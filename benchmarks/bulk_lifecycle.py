"""Bulk suspend of N tenants through the real path, beside the sequential loop a user writes today.

Real path: `tenants_bulk_status_change` (Batch + N Operations, one dispatch message on commit) → Redis → worker
subprocess(es) (`celery -A owlie_portal worker`) → sandbox over HTTP (latency, per-account concurrency
limit) → PostgreSQL, timed until every Operation is final. Baseline: a sequential loop of
`client.api.v2010.accounts(sid).update(status="suspended")` with the plain twilio client against the
same sandbox, on a second set of N subaccounts.

Targets: ratio_to_ideal ≤ 1.25 at N=1,000 and N=5,000 (cost grows linearly with the work), enqueue_s ≤ 1.0 at
N=5,000 (the service call only writes rows and sends one `operations.dispatch_batch` message; a worker the
benchmark starts runs the batch's lanes, which take its rows: `fanout_s` says when the last row was taken),
speedup_vs_sequential ≥ 15, peak_in_flight ≤ 25, failed = 0. Workers run with DEBUG off, as deployed
(`--debug` to compare). `worker_cpu_ms_per_op` and `load1` (the machine's load average) tell a slow run on a
busy machine apart from a regression: the ratio needs about 2 idle CPUs.

Batch lanes (operations/lanes.py) instead of one message per Operation, measured alternating with the code
before them on a slow evening: workers' CPU per Operation 8.8-10.3 ms vs 14.3-16.1 ms, ratio 2.00-2.33 vs
3.01-3.35 at N=1,000 (the broker round trip, decoding and Celery's bookkeeping per message were gone).

Pool, measured on a 2-CPU machine (N=1000, PostgreSQL, Redis): threads in 2 processes of 19 (half again the
budget, `threads_per_worker`) → ratio 1.17-1.30 on a quiet machine; 2 processes of 13 (exactly the budget) →
1.29-1.43: with no thread spare, a slot stood empty while its thread recorded the result and claimed its next
Operation. Threads in 1 process of 25 → ≈ 2.3 (one GIL for the consumer and 25 task threads); prefork 25 → ≈ 1.7.
Warming the workers first (a small bulk on other tenants) changed nothing measurable (1.21-1.30 warm, 1.21 cold).
gevent is not installed (not in requirements; psycopg 3 would need care under monkey-patching).
Measured again on a shared 2-CPU machine at load 3-16: workers spend 12-16 ms of CPU per Operation with
threads (about 8 ms of it the Operation's own work: claim, Twilio call, close), prefork 25 ≈ 20 ms, and 25
solo workers made it worse; 250 Operations/s needs about 3 such CPUs, so there the ratio was 3.1-4.8 at
N=1,000 and 3.3 at N=5,000 (linear), with the fan-out done in ~4.5 s (1,000) and ~23 s (5,000).

Usage: .venv/bin/python benchmarks/bulk_lifecycle.py [--n 1000] [--pool threads|prefork|gevent]
       [--workers 2] [--database-url postgres://…/bench_owlie | sqlite:///file] [--broker-url redis://…/13]
       [--baseline-sample N]   (time only N sequential calls and extrapolate; default: all N)
"""

from __future__ import annotations

import argparse
import os
import time

from _common import (DEFAULT_BROKER_URL, DEFAULT_DATABASE_URL, PARENT_SID, Workers, configure_django, cpu_seconds,
                     fresh_database, portal_env, production_settings, purge_broker, row, sandbox_process,
                     threads_per_worker)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--latency-ms", type=float, default=100)
    parser.add_argument("--concurrency", type=int, default=25, help="sandbox limit = TWILIO_MAX_CONCURRENCY")
    parser.add_argument("--pool", default="threads", choices=["threads", "prefork", "gevent"])
    parser.add_argument("--workers", type=int, default=2,
                        help="worker processes (measured: 1x25 threads is GIL-bound at ratio ~2.3, 2x19 ~1.2)")
    parser.add_argument("--worker-concurrency", type=int, default=None, help="per worker; default 1.5 x concurrency / workers")
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--broker-url", default=DEFAULT_BROKER_URL)
    parser.add_argument("--prefetch-multiplier", type=int, default=None)
    parser.add_argument("--baseline-sample", type=int, default=None)
    parser.add_argument("--debug", action="store_true", help="run with DEBUG on (every query kept in memory)")
    return parser.parse_args()


def make_tenants(sids: list[str]):
    from owlie_portal.tenants.models import Tenant

    Tenant.objects.bulk_create(
        Tenant(name=f"Bench {i:05d}", external_ref=f"BENCH-{i:05d}", subaccount_sid=sid, status=Tenant.Status.ACTIVE,
               friendly_name=f"Bench {i:05d}") for i, sid in enumerate(sids))
    return Tenant.objects.all()


def run_bulk(tenants, *, n: int) -> tuple[float, float, dict]:
    """(wall seconds until every Operation is final, seconds spent in the service call, states)."""
    from django.contrib.auth import get_user_model
    from django.db.models import Count
    from django.utils import timezone

    from owlie_portal.tenants import services
    from owlie_portal.operations.models import Operation
    from owlie_portal.tenants.kinds import Kind
    from owlie_portal.tenants.models import Tenant

    user = get_user_model().objects.create_superuser("bench", password="bench-pass-123")
    started, started_at = time.perf_counter(), timezone.now()
    batch = services.tenants_bulk_status_change(tenants=tenants, kind=Kind.SUBACCOUNT_SUSPEND,
                                                requested_by=user, reason=Tenant.SuspensionReason.NON_PAYMENT)
    enqueued = time.perf_counter() - started
    pending = Operation.objects.filter(batch=batch).exclude(state__in=Operation.FINAL_STATES)
    while pending.exists():
        time.sleep(0.02)
    wall = time.perf_counter() - started
    states = dict(Operation.objects.filter(batch=batch).values_list("state").annotate(n=Count("pk")))
    assert batch.total == n, f"{n - batch.total} tenants were refused"
    return wall, enqueued, states, timeline(Operation.objects.filter(batch=batch), started_at)


def timeline(operations, started_at) -> dict:
    """Seconds after the service call began: when the lanes had taken every row, and when the
    first, median and last Operation started and finished (where a slow run loses its time)."""
    def seconds(values):
        values = sorted((v - started_at).total_seconds() for v in values if v is not None)
        return values or [float("nan")]

    rows = list(operations.values_list("dispatched_at", "started_at", "finished_at"))
    sent, start, end = (seconds(column) for column in zip(*rows))
    return {"fanout_done_s": sent[-1], "first_start_s": start[0], "median_start_s": start[len(start) // 2],
            "last_start_s": start[-1], "median_finish_s": end[len(end) // 2], "last_finish_s": end[-1]}


def run_sequential(sandbox, sids: list[str]) -> float:
    client = sandbox.client()
    started = time.perf_counter()
    for sid in sids:
        client.api.v2010.accounts(sid).update(status="suspended")
    return time.perf_counter() - started


def main() -> None:
    args = parse_args()
    n, latency_s, limit = args.n, args.latency_ms / 1000, args.concurrency
    per_worker = args.worker_concurrency or threads_per_worker(limit, args.workers)  # the budget caps in flight
    sample = min(args.baseline_sample or n, n)
    with sandbox_process(max_subaccounts=2 * n + 10) as sandbox, fresh_database(args.database_url) as db_url:
        sids = sandbox.create_subaccounts(2 * n, prefix="Bench")
        portal_sids, baseline_sids = sids[:n], sids[n:]
        env = portal_env(database_url=db_url, broker_url=args.broker_url, sandbox=sandbox, max_concurrency=limit,
                         **({} if args.debug else production_settings()))
        configure_django(env)
        from owlie_portal.celery import app as celery_app
        from owlie_portal.tenants.models import Tenant

        purge_broker(args.broker_url)
        tenants = make_tenants(portal_sids)
        workers = Workers(env, count=args.workers, pool=args.pool, concurrency=per_worker,
                          extra_args=["--prefetch-multiplier", str(args.prefetch_multiplier)] if args.prefetch_multiplier else [])
        try:
            workers.wait_ready(celery_app)
            sandbox.faults(latency_ms=args.latency_ms, concurrency_limit=limit)
            sandbox.control("stats/reset")
            cpu_before = workers.cpu_seconds(), cpu_seconds(sandbox.process.pid)
            wall, enqueued, states, times = run_bulk(tenants, n=n)
            cpu = workers.cpu_seconds() - cpu_before[0], cpu_seconds(sandbox.process.pid) - cpu_before[1]
            stats = sandbox.stats()
        finally:
            workers.stop()
            purge_broker(args.broker_url)
        at_twilio = sandbox.control("state", "GET")["accounts"]
        suspended_at_twilio = sum(1 for a in at_twilio if a["sid"] in set(portal_sids) and a["status"] == "suspended")
        suspended_in_db = Tenant.objects.filter(status=Tenant.Status.SUSPENDED).count()
        sequential = run_sequential(sandbox, baseline_sids[:sample]) * n / sample

    ideal = n * latency_s / limit
    peak = stats["peak_in_flight"].get(PARENT_SID, 0)
    failed = states.get("failed", 0) + (n - sum(states.values()))
    rate_limited = stats["responses"].get("429", 0)
    print(f"Bulk suspend of {n} tenants — sandbox latency {args.latency_ms:.0f} ms, limit {limit}; "
          f"pool={args.pool} workers={args.workers}x{per_worker}; database {db_url.split('://')[0]}")
    print(row("wall_s (real path)", f"{wall:.2f}", f"{sequential:.2f} sequential", " s"))
    print(row("ideal_s (N*latency/limit)", f"{ideal:.2f}", unit=" s"))
    print(row("enqueue_s (service call)", f"{enqueued:.2f}", "≤ 1.0 target at N=5,000", " s"))
    print(row("ratio_to_ideal", f"{wall / ideal:.2f}", "≤ 1.25 target"))
    print(row("speedup_vs_sequential", f"{sequential / wall:.1f}", "≥ 15 target"))
    print(row("peak_in_flight", peak, f"≤ {limit} target"))
    print(row("429 answers (retried)", rate_limited))
    print(row("operations by state", states))
    print(row("CPU ms per op: workers/sandbox", f"{cpu[0] * 1000 / n:.1f} / {cpu[1] * 1000 / n:.1f}"))
    print(row("machine load (1 min)", f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"))
    print(row("timeline (s after the call)", " ".join(f"{k}={v:.2f}" for k, v in times.items())))
    print(row("suspended at sandbox / DB", f"{suspended_at_twilio} / {suspended_in_db}", n))
    print(f"  baseline: sequential loop of {sample} update(s)" + (f", extrapolated to {n}" if sample < n else ""))
    print(f"RESULT n={n} pool={args.pool} wall_s={wall:.2f} ideal_s={ideal:.2f} ratio_to_ideal={wall / ideal:.2f} "
          f"enqueue_s={enqueued:.2f} fanout_s={times['fanout_done_s']:.2f} "
          f"speedup_vs_sequential={sequential / wall:.1f} sequential_s={sequential:.1f} peak_in_flight={peak} "
          f"failed={failed} worker_cpu_ms_per_op={cpu[0] * 1000 / n:.1f} load1={os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
