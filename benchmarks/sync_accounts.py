"""Full status sync of 5,000 subaccounts through the paged Accounts list, beside one fetch per tenant.

The portal's `tenants_sync_from_twilio` reads Twilio's Accounts list 1,000 per page and compares it with
the database; the baseline is what a per-tenant loop does: `client.api.v2010.accounts(sid).fetch()` for
each tenant (timed on a sample, extrapolated). Both run against one sandbox process with the same latency.

Twilio's Accounts list includes the parent account itself, so 5,000 subaccounts are 5,001 rows: 6 pages.
The target of 5 calls holds for 5,000 listed accounts (4,999 subaccounts + the parent): `--subaccounts 4999`.

ideal_s is the pages' latency back to back (pages × latency); target ratio_to_ideal ≤ 1.5: comparing a
page with the database overlaps the request for the next one. pages_only_s reads the same pages through
the gateway and compares nothing: each request waits for the previous page's next-page link, so that chain
(latency + the sandbox writing ~2 MB of JSON + reading it) is the floor; sync_s close to it means the
comparison is hidden. load1 is the machine's load average (2 CPUs: above ~2 the figures are inflated).
On a shared machine one run is noisy: the sync runs --repeat times on the same work (the drifted tenants
set back to active and drift cleared in between) and sync_s is the fastest; first_sync_s is the first.

Usage: .venv/bin/python benchmarks/sync_accounts.py [--subaccounts 5000] [--latency-ms 100]
       [--drifted 50] [--baseline-sample 100] [--database-url postgres://…/bench_owlie | sqlite:///file]
       [--broker-url redis://…/13] [--repeat 3]
"""

from __future__ import annotations

import argparse
import math
import os
import random
import time

from _common import DEFAULT_BROKER_URL, DEFAULT_DATABASE_URL, configure_django, fresh_database, portal_env, \
    production_settings, row, sandbox_process

LIST_ENDPOINT = "GET /2010-04-01/Accounts.json"
PAGE_SIZE = 1000


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subaccounts", type=int, default=5000)
    parser.add_argument("--latency-ms", type=float, default=100)
    parser.add_argument("--drifted", type=int, default=50, help="subaccounts suspended directly at Twilio")
    parser.add_argument("--baseline-sample", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3,
                        help="syncs of the same work (state restored in between); the fastest is reported")
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--broker-url", default=DEFAULT_BROKER_URL, help="Redis also holds the request budget")
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
        configure_django(portal_env(database_url=db_url, broker_url=args.broker_url, sandbox=sandbox,
                                    max_concurrency=10, **production_settings()))
        from owlie_portal.tenants.models import Tenant, TenantDrift
        from owlie_portal.tenants.services import tenants_sync_from_twilio
        from owlie_portal.twilio_gateway.accounts import subaccount_pages

        Tenant.objects.bulk_create(
            Tenant(name=f"Sync {i:05d}", external_ref=f"SYNC-{i:05d}", subaccount_sid=sid, friendly_name=f"Sync {i:05d}",
                   status=Tenant.Status.ACTIVE) for i, sid in enumerate(sids))
        sandbox.faults(latency_ms=args.latency_ms)
        sandbox.control("stats/reset")

        runs, pages_only = [], []
        for attempt in range(args.repeat):
            if attempt:  # the same work again: the drifted tenants active in the portal, no drift recorded
                TenantDrift.objects.all().delete()
                Tenant.objects.filter(subaccount_sid__in=drifted).update(status=Tenant.Status.ACTIVE)
            started = time.perf_counter()
            report = tenants_sync_from_twilio()
            runs.append(time.perf_counter() - started)
            if not attempt:
                stats = sandbox.stats()  # the first sync's requests
            # The floor on this machine: the same pages read through the gateway, compared with nothing.
            started = time.perf_counter()
            sum(len(page) for page in subaccount_pages(page_size=PAGE_SIZE))
            pages_only.append(time.perf_counter() - started)
        sync_s, pages_only_s = min(runs), min(pages_only)
        open_drift = TenantDrift.objects.filter(resolved_at__isnull=True).count()
        suspended = Tenant.objects.filter(status=Tenant.Status.SUSPENDED).count()

        sample = sids[:min(args.baseline_sample, n)]
        started = time.perf_counter()
        for sid in sample:
            client.api.v2010.accounts(sid).fetch()
        per_tenant_s = (time.perf_counter() - started) * n / len(sample)

    list_calls = stats["requests"].get(LIST_ENDPOINT, 0)
    expected = math.ceil((n + 1) / PAGE_SIZE)  # the parent is listed too
    ideal = list_calls * args.latency_ms / 1000  # the pages' latency alone, back to back
    print(f"Status sync of {n} subaccounts ({len(drifted)} suspended at Twilio), sandbox latency "
          f"{args.latency_ms:.0f} ms; database {db_url.split('://')[0]}")
    print(row("Accounts-list calls", list_calls, f"{n} fetches one per tenant"))
    print(row("  expected pages", f"{expected} (= ceil(({n} + parent) / {PAGE_SIZE}))"))
    print(row("other Twilio requests", stats["total_requests"] - list_calls))
    print(row("sync wall_s (fastest)", f"{sync_s:.2f}", f"{per_tenant_s:.1f} s per-tenant fetch loop", ""))
    print(row("  every run", " ".join(f"{run:.2f}" for run in runs)))
    print(row("ideal_s (pages × latency)", f"{ideal:.2f}"))
    print(row("ratio_to_ideal", f"{sync_s / ideal:.2f}", "≤ 1.5 target"))
    print(row("pages only (no database) s", f"{pages_only_s:.2f}", unit=" s"))
    print(row("seen / changed / new drift", f"{report.seen} / {report.changed} / {report.drifts}"))
    print(row("open drift rows / suspended", f"{open_drift} / {suspended}", len(drifted)))
    print(f"  baseline: {len(sample)} sequential fetches, extrapolated to {n}")
    print(f"RESULT subaccounts={n} list_calls={list_calls} expected_pages={expected} sync_s={sync_s:.2f} "
          f"ideal_s={ideal:.2f} ratio_to_ideal={sync_s / ideal:.2f} pages_only_s={pages_only_s:.2f} "
          f"first_sync_s={runs[0]:.2f} "
          f"per_tenant_fetch_s={per_tenant_s:.1f} speedup={per_tenant_s / sync_s:.0f} changed={report.changed} "
          f"drifts={report.drifts} load1={os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
