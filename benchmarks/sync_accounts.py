"""Full status sync of 5,000 subaccounts through the paged Accounts list, beside one fetch per tenant.

The portal's `tenants_sync_from_twilio` reads Twilio's Accounts list 1,000 per page and compares it with
the database; the baseline is what a per-tenant loop does: `client.api.v2010.accounts(sid).fetch()` for
each tenant (timed on a sample, extrapolated). Both run against one sandbox process with the same latency.

Twilio's Accounts list includes the parent account itself, so 5,000 subaccounts are 5,001 rows: 6 pages.
The target of 5 calls holds for 5,000 listed accounts (4,999 subaccounts + the parent): `--subaccounts 4999`.

Usage: .venv/bin/python benchmarks/sync_accounts.py [--subaccounts 5000] [--latency-ms 100]
       [--drifted 50] [--baseline-sample 100] [--database-url postgres://…/bench_owlie | sqlite:///file]
"""

from __future__ import annotations

import argparse
import math
import random
import time

from _common import DEFAULT_BROKER_URL, DEFAULT_DATABASE_URL, configure_django, fresh_database, portal_env, row, \
    sandbox_process

LIST_ENDPOINT = "GET /2010-04-01/Accounts.json"
PAGE_SIZE = 1000


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subaccounts", type=int, default=5000)
    parser.add_argument("--latency-ms", type=float, default=100)
    parser.add_argument("--drifted", type=int, default=50, help="subaccounts suspended directly at Twilio")
    parser.add_argument("--baseline-sample", type=int, default=100)
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    n = args.subaccounts
    with sandbox_process(max_subaccounts=n + 10) as sandbox, fresh_database(args.database_url) as db_url:
        sids = sandbox.create_subaccounts(n, prefix="Sync")
        drifted = random.Random(5).sample(sids, min(args.drifted, n))
        client = sandbox.client()
        for sid in drifted:  # changed at Twilio, behind the portal's back
            client.api.v2010.accounts(sid).update(status="suspended")
        configure_django(portal_env(database_url=db_url, broker_url=DEFAULT_BROKER_URL, sandbox=sandbox,
                                    max_concurrency=10))
        from owlie_portal.tenants.models import Tenant, TenantDrift
        from owlie_portal.tenants.services import tenants_sync_from_twilio

        Tenant.objects.bulk_create(
            Tenant(name=f"Sync {i:05d}", external_ref=f"SYNC-{i:05d}", subaccount_sid=sid, friendly_name=f"Sync {i:05d}",
                   status=Tenant.Status.ACTIVE) for i, sid in enumerate(sids))
        sandbox.faults(latency_ms=args.latency_ms)
        sandbox.control("stats/reset")

        started = time.perf_counter()
        report = tenants_sync_from_twilio()
        sync_s = time.perf_counter() - started
        stats = sandbox.stats()
        open_drift = TenantDrift.objects.filter(resolved_at__isnull=True).count()
        suspended = Tenant.objects.filter(status=Tenant.Status.SUSPENDED).count()

        sample = sids[:min(args.baseline_sample, n)]
        started = time.perf_counter()
        for sid in sample:
            client.api.v2010.accounts(sid).fetch()
        per_tenant_s = (time.perf_counter() - started) * n / len(sample)

    list_calls = stats["requests"].get(LIST_ENDPOINT, 0)
    expected = math.ceil((n + 1) / PAGE_SIZE)  # the parent is listed too
    print(f"Status sync of {n} subaccounts ({len(drifted)} suspended at Twilio), sandbox latency "
          f"{args.latency_ms:.0f} ms; database {db_url.split('://')[0]}")
    print(row("Accounts-list calls", list_calls, f"{n} fetches one per tenant"))
    print(row("  expected pages", f"{expected} (= ceil(({n} + parent) / {PAGE_SIZE}))"))
    print(row("other Twilio requests", stats["total_requests"] - list_calls))
    print(row("sync wall_s", f"{sync_s:.2f}", f"{per_tenant_s:.1f} s per-tenant fetch loop", ""))
    print(row("seen / changed / new drift", f"{report.seen} / {report.changed} / {report.drifts}"))
    print(row("open drift rows / suspended", f"{open_drift} / {suspended}", len(drifted)))
    print(f"  baseline: {len(sample)} sequential fetches, extrapolated to {n}")
    print(f"RESULT subaccounts={n} list_calls={list_calls} expected_pages={expected} sync_s={sync_s:.2f} "
          f"per_tenant_fetch_s={per_tenant_s:.1f} speedup={per_tenant_s / sync_s:.0f} changed={report.changed} "
          f"drifts={report.drifts}")


if __name__ == "__main__":
    main()
