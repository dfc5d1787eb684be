"""Requests/second the Twilio sandbox answers to the real ``twilio`` client.

Starts ``python -m twilio_sandbox`` on a free port in its own process (so the
client threads here do not share a GIL with the server), creates subaccounts,
then measures for a few seconds each:

* fetch: ``GET /2010-04-01/Accounts/{AC}.json``
* list:  ``GET /2010-04-01/Accounts.json?PageSize=50`` (one page of 50 accounts)

with THREADS client threads, each with its own keep-alive connection.
Last line: ``RESULT fetch_rps=… list_rps=…`` (target ≥ 1000 requests/s).

Usage: .venv/bin/python benchmarks/sandbox_throughput.py [--seconds 3] [--threads 4]
"""

import argparse
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from twilio.rest import Client

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from twilio_sandbox.__main__ import DEMO_ACCOUNT_SID, DEMO_AUTH_TOKEN  # noqa: E402
from twilio_sandbox.testing import SandboxHttpClient  # noqa: E402

SUBACCOUNTS = 60


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(port: int) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-m", "twilio_sandbox", "--port", str(port),
         "--account-sid", DEMO_ACCOUNT_SID, "--auth-token", DEMO_AUTH_TOKEN],
        cwd=Path(__file__).resolve().parents[1], stdout=subprocess.PIPE, text=True)
    process.stdout.readline()  # the "listening" line: the server is ready
    return process


def client_for(url: str) -> Client:
    return Client(DEMO_ACCOUNT_SID, DEMO_AUTH_TOKEN, http_client=SandboxHttpClient(url))


def measure(url: str, threads: int, seconds: float, operation) -> tuple[float, float]:
    """(requests per second, median latency in ms) of ``operation(client)`` over all threads."""
    latencies: list[float] = []
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def worker():
        client = client_for(url)
        operation(client)  # open the keep-alive connection outside the timing
        mine = []
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            operation(client)
            mine.append(time.perf_counter() - started)
        with lock:
            latencies.extend(mine)

    started = time.perf_counter()
    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    elapsed = time.perf_counter() - started
    latencies.sort()
    return len(latencies) / elapsed, latencies[len(latencies) // 2] * 1000


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = start_server(port)
    try:
        setup = client_for(url)
        for index in range(SUBACCOUNTS):
            setup.api.v2010.accounts.create(friendly_name=f"bench {index}")
        sub_sid = setup.api.v2010.accounts.list(limit=2)[1].sid

        def fetch(client):
            client.api.v2010.accounts(sub_sid).fetch()

        def list_page(client):
            client.api.v2010.accounts.page(page_size=50)

        single_fetch, single_ms = measure(url, 1, min(args.seconds, 2.0), fetch)
        fetch_rps, fetch_ms = measure(url, args.threads, args.seconds, fetch)
        list_rps, list_ms = measure(url, args.threads, args.seconds, list_page)
    finally:
        server.terminate()
        server.wait(timeout=10)
    print(f"single-thread fetch: {single_fetch:8.0f} req/s, median {single_ms:.2f} ms")
    print(f"fetch ({args.threads} threads):  {fetch_rps:8.0f} req/s, median {fetch_ms:.2f} ms")
    print(f"list 50 ({args.threads} threads): {list_rps:8.0f} req/s, median {list_ms:.2f} ms")
    print(f"RESULT fetch_rps={fetch_rps:.0f} list_rps={list_rps:.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
