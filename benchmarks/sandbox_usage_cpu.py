"""The sandbox's own CPU per Usage Records request, read from /proc/<pid>/stat (wall time on a shared
machine says little): subaccounts seeded with 13 months, then the requests one usage sync makes per
tenant (Monthly over 13 months, Daily of totalprice over two months, PageSize 1000) plus the parent's two.
No database: it measures the sandbox alone.

Usage: .venv/bin/python benchmarks/sandbox_usage_cpu.py [--accounts 200] [--rounds 3]
"""

from __future__ import annotations

import argparse
import base64
import http.client
import os
import time
from datetime import date, timedelta
from urllib.parse import urlencode, urlsplit

from _common import PARENT_SID, PARENT_TOKEN, row, sandbox_process

# Measured before the usage records were written straight to JSON text (commit 7cafb64), alternating
# runs with this script on the same machine: 1.26–1.73 ms.
BASELINE_MS = "1.6"


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def basic(sid: str, token: str) -> str:
    return "Basic " + base64.b64encode(f"{sid}:{token}".encode()).decode()


def requests_of(accounts: list[tuple[str, str]], today: date) -> list[tuple[str, str]]:
    """(path with query, Authorization) of one sync: 2 per subaccount + 2 for the parent."""
    current = today.replace(day=1)
    monthly_from = (current - timedelta(days=13 * 31)).replace(day=1)
    daily_from = (current - timedelta(days=1)).replace(day=1)

    def path(sid, variant, **filters):
        query = {"StartDate": filters.pop("start").isoformat(), "EndDate": today.isoformat(), **filters,
                 "PageSize": 1000}
        return f"/2010-04-01/Accounts/{sid}/Usage/Records/{variant}.json?{urlencode(query)}"

    out = []
    for sid, token in accounts:
        auth = basic(sid, token)
        out.append((path(sid, "Monthly", start=monthly_from), auth))
        out.append((path(sid, "Daily", start=daily_from, Category="totalprice"), auth))
    parent = basic(PARENT_SID, PARENT_TOKEN)
    out.append((path(PARENT_SID, "Monthly", start=monthly_from, IncludeSubaccounts="false"), parent))
    out.append((path(PARENT_SID, "Monthly", start=monthly_from, IncludeSubaccounts="true", Category="totalprice"),
                parent))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with sandbox_process(max_subaccounts=args.accounts + 10) as sandbox:
        client = sandbox.client()
        accounts = []
        for i in range(args.accounts):
            account = client.api.v2010.accounts.create(friendly_name=f"Usage {i:05d}")
            sandbox.control("usage/seed", account_sid=account.sid, months=13, seed=i)
            accounts.append((account.sid, account.auth_token))
        todo = requests_of(accounts, date.today()) * args.rounds
        connection = http.client.HTTPConnection(urlsplit(sandbox.url).netloc)
        pid = sandbox.process.pid
        size, before, started = 0, cpu_seconds(pid), time.perf_counter()
        for target, auth in todo:
            connection.request("GET", target, headers={"Authorization": auth})
            answer = connection.getresponse()
            size += len(answer.read())
            assert answer.status == 200, answer.status
        cpu, wall = cpu_seconds(pid) - before, time.perf_counter() - started
    per_ms = cpu / len(todo) * 1000
    print(f"Sandbox CPU per Usage Records request: {args.accounts} subaccounts × 2 requests + 2 for the parent, "
          f"{args.rounds} rounds; {cpu:.2f} s CPU in {wall:.2f} s")
    print(row("usage requests", len(todo)))
    print(row("mean answer", f"{size / len(todo) / 1000:.1f}", unit=" KB"))
    print(row("sandbox CPU per request", f"{per_ms:.3f}", BASELINE_MS, " ms"))
    print(f"RESULT usage_requests={len(todo)} sandbox_cpu_ms_per_request={per_ms:.3f}")


if __name__ == "__main__":
    main()
