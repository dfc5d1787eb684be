"""The sandbox's own CPU per list request, read from /proc/<pid>/stat (wall time on a shared machine says
little), for the two lists the portal's syncs read: the Accounts list (5,000 subaccounts, PageSize 1000,
6 pages followed by their next-page links) and every account's IncomingPhoneNumbers (1,000 tenants × 5
numbers + 1,200 in the parent, PageSize 1000: 1,002 lists). No database: it measures the sandbox alone.

Usage: .venv/bin/python benchmarks/sandbox_list_cpu.py [--subaccounts 5000] [--tenants 1000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import os
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode, urlsplit

from _common import PARENT_SID, PARENT_TOKEN, row, sandbox_process

# Measured before the two lists were written straight to JSON text (commit ba4bac0), alternating runs with
# this script on the same machine: accounts 16.7-25.0 ms, numbers 0.248-0.261 ms.
BASELINE_ACCOUNTS_MS = "20"
BASELINE_NUMBERS_MS = "0.25"
AUTH = "Basic " + base64.b64encode(f"{PARENT_SID}:{PARENT_TOKEN}".encode()).decode()


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def _phone(i: int) -> str:
    return f"+1415{200 + i % 800}{i // 800:04d}"


def buy_numbers(url: str, owners: list[str], threads: int = 4) -> None:
    """One number per entry of `owners` (an account SID each), bought over plain HTTP."""
    def buy(part: int) -> None:
        connection = http.client.HTTPConnection(urlsplit(url).netloc)
        for i in range(part, len(owners), threads):
            body = urlencode({"PhoneNumber": _phone(i), "SmsUrl": "https://portal.example/twilio/inbound/"})
            connection.request("POST", f"/2010-04-01/Accounts/{owners[i]}/IncomingPhoneNumbers.json", body=body,
                               headers={"Authorization": AUTH, "Content-Type": "application/x-www-form-urlencoded"})
            answer = connection.getresponse()
            answer.read()
            assert answer.status == 201, answer.status

    with ThreadPoolExecutor(max_workers=threads) as pool:
        list(pool.map(buy, range(threads)))


def read_pages(connection, first: str) -> tuple[int, int]:
    """Follow next_page_uri from `first`; (pages, bytes)."""
    pages, size, target = 0, 0, first
    while target:
        connection.request("GET", target, headers={"Authorization": AUTH})
        answer = connection.getresponse()
        body = answer.read()
        assert answer.status == 200, answer.status
        pages, size = pages + 1, size + len(body)
        target = json.loads(body)["next_page_uri"]
    return pages, size


def measure(pid: int, connection, firsts: list[str], rounds: int) -> tuple[float, int, int]:
    """(sandbox CPU seconds, pages, bytes) of reading every list of `firsts`, `rounds` times."""
    pages = size = 0
    before = cpu_seconds(pid)
    for _ in range(rounds):
        for first in firsts:
            got, length = read_pages(connection, first)
            pages, size = pages + got, size + length
    return cpu_seconds(pid) - before, pages, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subaccounts", type=int, default=5000)
    parser.add_argument("--tenants", type=int, default=1000, help="subaccounts holding --per-tenant numbers each")
    parser.add_argument("--per-tenant", type=int, default=5)
    parser.add_argument("--parent-numbers", type=int, default=1200)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with sandbox_process(max_subaccounts=args.subaccounts + 10) as sandbox:
        sids = sandbox.create_subaccounts(args.subaccounts, prefix="Lists")
        tenants = sids[:args.tenants]
        buy_numbers(sandbox.url, [PARENT_SID] * args.parent_numbers
                    + [sid for sid in tenants for _ in range(args.per_tenant)])
        connection = http.client.HTTPConnection(urlsplit(sandbox.url).netloc)
        pid = sandbox.process.pid
        accounts = measure(pid, connection, ["/2010-04-01/Accounts.json?PageSize=1000"], args.rounds)
        numbers = measure(pid, connection, [f"/2010-04-01/Accounts/{sid}/IncomingPhoneNumbers.json?PageSize=1000"
                                            for sid in [PARENT_SID, *tenants]], args.rounds)
    accounts_ms = accounts[0] / accounts[1] * 1000
    numbers_ms = numbers[0] / numbers[1] * 1000
    print(f"Sandbox CPU per list page: {args.subaccounts} subaccounts; {args.tenants} tenants × {args.per_tenant} "
          f"numbers + {args.parent_numbers} in the parent; {args.rounds} rounds")
    print(row("accounts pages", accounts[1]))
    print(row("mean accounts page", f"{accounts[2] / accounts[1] / 1e6:.2f}", unit=" MB"))
    print(row("CPU per accounts page", f"{accounts_ms:.2f}", BASELINE_ACCOUNTS_MS, " ms"))
    print(row("numbers pages", numbers[1]))
    print(row("mean numbers page", f"{numbers[2] / numbers[1] / 1000:.1f}", unit=" KB"))
    print(row("CPU per numbers page", f"{numbers_ms:.3f}", BASELINE_NUMBERS_MS, " ms"))
    print(f"RESULT accounts_pages={accounts[1]} accounts_cpu_ms_per_page={accounts_ms:.2f} "
          f"numbers_pages={numbers[1]} numbers_cpu_ms_per_page={numbers_ms:.3f}")


if __name__ == "__main__":
    main()
