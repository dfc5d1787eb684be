"""Usage sync of 1,000 tenants with 13 months of seeded usage: Usage API calls, wall time beside the ideal
(calls × latency / concurrency) and beside a sequential sync (one tenant after another, timed on a sample
and extrapolated).

Each tenant is read with its own credentials: Monthly for 13 months back (the backfill of a new tenant)
and Daily for the current and previous month, so 2 calls per tenant, plus 2 for the parent (its own
figures and its all-subaccounts total). Writes go to the database from the calling thread while the
pool's threads wait on Twilio. A second run shows that re-running changes nothing.

Usage: .venv/bin/python benchmarks/usage_sync.py [--tenants 1000] [--latency-ms 50] [--concurrency 25]
       [--baseline-sample 40] [--database-url postgres://…/b1_bench_usage | sqlite:///file]
       [--broker-url redis://127.0.0.1:6379/9]
"""

from __future__ import annotations

import argparse
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from _common import configure_django, fresh_database, portal_env, row, sandbox_process

DATABASE_URL = "postgres://postgres@127.0.0.1:5432/b1_bench_usage"
BROKER_URL = "redis://127.0.0.1:6379/9"  # only for the shared concurrency budget (Redis leases)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tenants", type=int, default=1000)
    parser.add_argument("--latency-ms", type=float, default=50)
    parser.add_argument("--concurrency", type=int, default=25)
    parser.add_argument("--baseline-sample", type=int, default=40)
    parser.add_argument("--threads", type=int, default=None,
                        help="USAGE_SYNC_THREADS; default the portal's own (1.5 x concurrency)")
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
    from owlie_portal.billing.services import usage_sync

    sandbox.control("stats/reset")
    started = time.perf_counter()
    report = usage_sync(**options)
    return report, time.perf_counter() - started, usage_calls(sandbox)


def main() -> None:
    args = parse_args()
    n = args.tenants
    with sandbox_process(max_subaccounts=n + 10) as sandbox, fresh_database(args.database_url) as db_url:
        accounts = make_subaccounts(sandbox, n)
        configure_django(portal_env(database_url=db_url, broker_url=args.broker_url, sandbox=sandbox,
                                    max_concurrency=args.concurrency,
                                    **({"USAGE_SYNC_THREADS": str(args.threads)} if args.threads else {})))
        from owlie_portal.billing.models import UsageRecord
        from owlie_portal.tenants.models import Tenant

        Tenant.objects.bulk_create(
            Tenant(name=f"Usage {i:05d}", external_ref=f"USE-{i:05d}", subaccount_sid=sid, auth_token=token,
                   friendly_name=f"Usage {i:05d}", status=Tenant.Status.ACTIVE)
            for i, (sid, token) in enumerate(accounts))
        sandbox.faults(latency_ms=args.latency_ms)

        report, wall_s, calls = timed_sync(sandbox)
        records = UsageRecord.objects.count()
        rerun, rerun_s, rerun_calls = timed_sync(sandbox)

        sample = list(Tenant.objects.order_by("pk").values_list("pk", flat=True)[:args.baseline_sample])
        UsageRecord.objects.filter(tenant_id__in=sample).delete()  # the sequential sample backfills too
        seq, seq_s, seq_calls = timed_sync(sandbox, tenant_ids=sample, threads=1)
        sequential_s = seq_s * n / len(sample)

    ideal_s = calls * args.latency_ms / 1000 / args.concurrency
    ratio = wall_s / ideal_s
    speedup = sequential_s / wall_s
    print(f"Usage sync of {n} tenants (13 months seeded each), sandbox latency {args.latency_ms:.0f} ms, "
          f"concurrency {args.concurrency}; database {db_url.split('://')[0]}")
    print(row("Usage API calls", calls, f"{2 * n + 2} = 2 per tenant + 2 for the parent"))
    print(row("tenants synced / failed", f"{report.synced} / {len(report.errors)}"))
    print(row("records stored", records))
    print(row("wall_s", f"{wall_s:.2f}", f"ideal {ideal_s:.2f} s = calls × latency / concurrency"))
    print(row("ratio_to_ideal", f"{ratio:.2f}", "≤ 1.5 target"))
    print(row("sequential_s (extrapolated)", f"{sequential_s:.1f}", f"{len(sample)} tenants one by one: {seq_s:.2f} s"))
    print(row("speedup_vs_sequential", f"{speedup:.1f}"))
    print(row("re-run: wall_s / months written", f"{rerun_s:.2f} / {rerun.months_changed}", "0 months: nothing changes"))
    print(f"RESULT tenants={n} latency_ms={args.latency_ms:.0f} concurrency={args.concurrency} usage_api_calls={calls} "
          f"failed={len(report.errors)} records={records} wall_s={wall_s:.2f} ideal_s={ideal_s:.2f} "
          f"ratio_to_ideal={ratio:.2f} sequential_s={sequential_s:.1f} speedup_vs_sequential={speedup:.1f} "
          f"rerun_s={rerun_s:.2f} rerun_months_written={rerun.months_changed} rerun_calls={rerun_calls}")


if __name__ == "__main__":
    main()
