"""Usage sync of 1,000 tenants with 13 months of seeded usage: Usage API calls, wall time beside the ideal
(calls × latency / concurrency) and beside a sequential sync (one tenant after another, timed on a sample
and extrapolated).

The real path: "sync all customers" (`usage_sync_request`) writes a Batch of Operations of PART_SIZE tenants
each; worker subprocesses (`celery -A owlie_portal worker`, 2 processes of threads as deployed) read and write
them, timed until every part is final. Each tenant is read with its own credentials: Monthly for 13 months
back (the backfill of a new tenant) and Daily for the current and previous month, so 2 calls per tenant,
plus 2 for the parent (its own figures and its all-subaccounts total). A second run shows that re-running
changes nothing. `--in-process` times the same sync in this one process instead (the design before the
batch: one process's threads, bounded by its CPU).

Usage: .venv/bin/python benchmarks/usage_sync.py [--tenants 1000] [--latency-ms 50] [--concurrency 25]
       [--baseline-sample 40] [--workers 2] [--in-process]
       [--database-url postgres://…/b1_bench_usage | sqlite:///file] [--broker-url redis://127.0.0.1:6379/9]
"""

from __future__ import annotations

import argparse
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from _common import (Workers, configure_django, fresh_database, portal_env, production_settings, purge_broker,
                     row, sandbox_process, threads_per_worker)

DATABASE_URL = "postgres://postgres@127.0.0.1:5432/b1_bench_usage"
BROKER_URL = "redis://127.0.0.1:6379/9"  # the workers' queue and the shared concurrency budget; purged


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tenants", type=int, default=1000)
    parser.add_argument("--latency-ms", type=float, default=50)
    parser.add_argument("--concurrency", type=int, default=25)
    parser.add_argument("--baseline-sample", type=int, default=40)
    parser.add_argument("--workers", type=int, default=2, help="worker processes (threads pool, as deployed)")
    parser.add_argument("--in-process", action="store_true",
                        help="sync in this process with USAGE_SYNC_THREADS threads instead of the workers")
    parser.add_argument("--threads", type=int, default=None,
                        help="USAGE_SYNC_THREADS for --in-process; default the portal's own (1.5 x concurrency)")
    parser.add_argument("--database-url", default=DATABASE_URL)
    parser.add_argument("--broker-url", default=BROKER_URL)
    return parser.parse_args()


def make_subaccounts(sandbox, count: int) -> list[tuple[str, str]]:
    """(sid, auth token) of `count` new subaccounts, each seeded with 13 months of usage."""
    local = threading.local()

    def make(i: int) -> tuple[str, str]:
        if not hasattr(local, "client"):
            local.client = sandbox.client()
        account = local.client.api.v2010.accounts.create(friendly_name=f"Usage {i:05d}")
        sandbox.control("usage/seed", account_sid=account.sid, months=13, seed=i)
        return account.sid, account.auth_token

    with ThreadPoolExecutor(max_workers=8) as pool:
        return list(pool.map(make, range(count)))


def usage_calls(sandbox) -> int:
    return sum(n for endpoint, n in sandbox.stats()["requests"].items() if "/Usage/Records" in endpoint)


def timed_sync(sandbox, **options):
    """(report, seconds, Usage API calls) of a sync in this process."""
    from owlie_portal.billing.services import usage_sync

    sandbox.control("stats/reset")
    started = time.perf_counter()
    report = usage_sync(**options)
    return report, time.perf_counter() - started, usage_calls(sandbox)


def timed_batch(sandbox):
    """(report, seconds, Usage API calls) of "sync all customers" performed by the workers."""
    from owlie_portal.billing.services import UsageSyncReport, usage_sync_request
    from owlie_portal.operations.models import Operation

    sandbox.control("stats/reset")
    started = time.perf_counter()
    batch, _ = usage_sync_request(requested_by=None)
    parts = Operation.objects.filter(batch=batch)
    while parts.exclude(state__in=Operation.FINAL_STATES).exists():
        time.sleep(0.02)
    wall = time.perf_counter() - started
    report = UsageSyncReport(tenants=sum(len(p.params["tenant_ids"]) for p in parts))
    for part in parts:
        report.synced += part.result.get("synced", 0)
        report.months_changed += part.result.get("months_changed", 0)
        report.errors.update(part.result.get("failed", {}))
        if part.state != Operation.State.SUCCEEDED:
            report.errors[f"part {part.pk}"] = part.error_message
    return report, wall, usage_calls(sandbox)


def main() -> None:
    args = parse_args()
    n = args.tenants
    with sandbox_process(max_subaccounts=n + 10) as sandbox, fresh_database(args.database_url) as db_url:
        accounts = make_subaccounts(sandbox, n)
        env = portal_env(database_url=db_url, broker_url=args.broker_url, sandbox=sandbox,
                         max_concurrency=args.concurrency, **production_settings(),
                         **({"USAGE_SYNC_THREADS": str(args.threads)} if args.threads else {}))
        configure_django(env)
        from owlie_portal.billing.models import UsageRecord
        from owlie_portal.celery import app as celery_app
        from owlie_portal.tenants.models import Tenant

        Tenant.objects.bulk_create(
            Tenant(name=f"Usage {i:05d}", external_ref=f"USE-{i:05d}", subaccount_sid=sid, auth_token=token,
                   friendly_name=f"Usage {i:05d}", status=Tenant.Status.ACTIVE)
            for i, (sid, token) in enumerate(accounts))
        sandbox.faults(latency_ms=args.latency_ms)
        purge_broker(args.broker_url)
        workers = None if args.in_process else Workers(
            env, count=args.workers, pool="threads", concurrency=threads_per_worker(args.concurrency, args.workers))
        try:
            if workers is not None:
                workers.wait_ready(celery_app)
            cpu_before = workers.cpu_seconds() if workers else time.process_time()
            report, wall_s, calls = timed_batch(sandbox) if workers else timed_sync(sandbox)
            cpu_s = (workers.cpu_seconds() if workers else time.process_time()) - cpu_before
            records = UsageRecord.objects.count()
            rerun, rerun_s, rerun_calls = timed_batch(sandbox) if workers else timed_sync(sandbox)
        finally:
            if workers is not None:
                workers.stop()
            purge_broker(args.broker_url)

        sample = list(Tenant.objects.order_by("pk").values_list("pk", flat=True)[:args.baseline_sample])
        UsageRecord.objects.filter(tenant_id__in=sample).delete()  # the sequential sample backfills too
        seq, seq_s, seq_calls = timed_sync(sandbox, tenant_ids=sample, threads=1)
        sequential_s = seq_s * n / len(sample)

    ideal_s = calls * args.latency_ms / 1000 / args.concurrency
    ratio = wall_s / ideal_s
    speedup = sequential_s / wall_s
    how = "in this process" if args.in_process else f"by {args.workers} worker processes"
    print(f"Usage sync of {n} tenants (13 months seeded each) {how}, sandbox latency {args.latency_ms:.0f} ms, "
          f"concurrency {args.concurrency}; database {db_url.split('://')[0]}")
    print(row("Usage API calls", calls, f"{2 * n + 2} = 2 per tenant + 2 for the parent"))
    print(row("tenants synced / failed", f"{report.synced} / {len(report.errors)}"))
    print(row("records stored", records))
    print(row("wall_s", f"{wall_s:.2f}", f"ideal {ideal_s:.2f} s = calls × latency / concurrency"))
    print(row("ratio_to_ideal", f"{ratio:.2f}", "≤ 1.5 target"))
    print(row("sequential_s (extrapolated)", f"{sequential_s:.1f}", f"{len(sample)} tenants one by one: {seq_s:.2f} s"))
    print(row("speedup_vs_sequential", f"{speedup:.1f}"))
    print(row("CPU of the syncing process(es)", f"{cpu_s:.2f}", unit=" s"))
    print(row("machine load (1 min)", f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"))
    print(row("re-run: wall_s / months written", f"{rerun_s:.2f} / {rerun.months_changed}", "0 months: nothing changes"))
    path = "in_process" if args.in_process else "workers"
    print(f"RESULT tenants={n} path={path} latency_ms={args.latency_ms:.0f} concurrency={args.concurrency} "
          f"usage_api_calls={calls} "
          f"failed={len(report.errors)} records={records} wall_s={wall_s:.2f} ideal_s={ideal_s:.2f} "
          f"ratio_to_ideal={ratio:.2f} sequential_s={sequential_s:.1f} speedup_vs_sequential={speedup:.1f} "
          f"rerun_s={rerun_s:.2f} rerun_months_written={rerun.months_changed} rerun_calls={rerun_calls} "
          f"sync_cpu_s={cpu_s:.2f} load1={os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
