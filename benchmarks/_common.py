"""Shared plumbing for the portal benchmarks: a sandbox process, a throw-away database, Django, workers.

Every benchmark gets its own database (a fresh SQLite file, or a PostgreSQL database it creates and
drops) and its own sandbox process on a free port, so nothing it does touches the demo or the tests.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

PARENT_SID = "AC" + "b" * 32
PARENT_TOKEN = "c" * 32
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/bench_owlie"
DEFAULT_BROKER_URL = "redis://127.0.0.1:6379/13"  # a spare Redis database, purged by the benchmark


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SandboxProcess:
    """`python -m twilio_sandbox` in its own process (its own GIL), plus its control API."""

    def __init__(self, *, max_subaccounts: int = 1000):
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "twilio_sandbox", "--port", str(port), "--account-sid", PARENT_SID,
             "--auth-token", PARENT_TOKEN, "--max-subaccounts", str(max_subaccounts)],
            cwd=REPO, stdout=subprocess.PIPE, text=True)
        self.process.stdout.readline()  # "listening": ready

    def control(self, path: str, method: str = "POST", **fields) -> dict:
        data = urlencode(fields).encode() if method != "GET" else None
        request = urllib.request.Request(f"{self.url}/_sandbox/{path}", data=data, method=method)
        with urllib.request.urlopen(request, timeout=30) as answer:
            return json.loads(answer.read() or b"null")

    def stats(self) -> dict:
        return self.control("stats", "GET")

    def faults(self, **fields) -> dict:
        return self.control("faults", **fields)

    def client(self):
        """The plain twilio client a user writes today, pointed at the sandbox (docs/twilio-behaviour.md §9 rewrite only)."""
        from twilio.rest import Client

        from twilio_sandbox.testing import SandboxHttpClient

        return Client(PARENT_SID, PARENT_TOKEN, http_client=SandboxHttpClient(self.url, timeout=30))

    def create_subaccounts(self, count: int, *, prefix: str, threads: int = 8) -> list[str]:
        """Create `count` subaccounts over HTTP (faults off), in parallel; returns their SIDs in order."""
        local = threading.local()

        def make(i: int) -> str:
            if not hasattr(local, "client"):
                local.client = self.client()  # one keep-alive connection per thread
            return local.client.api.v2010.accounts.create(friendly_name=f"{prefix} {i:05d}").sid

        with ThreadPoolExecutor(max_workers=threads) as pool:
            return list(pool.map(make, range(count)))

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@contextlib.contextmanager
def sandbox_process(**options):
    sandbox = SandboxProcess(**options)
    try:
        yield sandbox
    finally:
        sandbox.stop()


def _with_path(url: str, path: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, parts.fragment))


@contextlib.contextmanager
def fresh_database(database_url: str | None):
    """Yield a DATABASE_URL for an empty database that exists only for the benchmark's run."""
    if database_url is None or database_url.startswith("sqlite"):
        with tempfile.TemporaryDirectory(prefix="owlie-bench-") as folder:
            yield database_url or f"sqlite:///{folder}/bench.sqlite3"
        return
    import psycopg

    name = urlsplit(database_url).path.lstrip("/")
    if not name.replace("_", "").isalnum():
        raise SystemExit(f"refusing to create/drop a database named {name!r}")
    admin_url = _with_path(database_url.replace("postgres://", "postgresql://", 1), "/postgres")

    def run(sql: str) -> None:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(sql)

    run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    run(f'CREATE DATABASE "{name}"')
    try:
        yield database_url
    finally:
        from django.db import connections

        connections.close_all()
        run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def configure_django(env: dict[str, str]) -> None:
    """Point this process's settings at the benchmark's database, broker and sandbox, then migrate."""
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "owlie_portal.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)


def portal_env(*, database_url: str, broker_url: str, sandbox: SandboxProcess, max_concurrency: int,
               **extra: str) -> dict[str, str]:
    env = {
        "DATABASE_URL": database_url, "CELERY_BROKER_URL": broker_url, "TWILIO_BASE_URL": sandbox.url,
        "TWILIO_ACCOUNT_SID": PARENT_SID, "TWILIO_AUTH_TOKEN": PARENT_TOKEN,
        "TWILIO_MAX_CONCURRENCY": str(max_concurrency), "LOG_LEVEL": "WARNING", "DEBUG": "true",
    }
    env.update(extra)
    return env


def production_settings() -> dict[str, str]:
    """What a deployment runs with: DEBUG off (no per-query bookkeeping in the worker), with the secrets
    DEBUG-off insists on, made up for this run. Not for pages that need collected static files."""
    import secrets

    from cryptography.fernet import Fernet

    return {"DEBUG": "false", "SECRET_KEY": secrets.token_urlsafe(50), "SECURE": "false",
            "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode()}


def threads_per_worker(limit: int, workers: int) -> int:
    """Worker threads: half again the Twilio budget in all. A thread waiting for a budget slot blocks in
    Redis (no CPU) and takes a slot the moment a request gives one back, while the others claim, record the
    result and fetch their next message outside any slot. With exactly `limit` threads a slot stood empty
    through each of those steps (measured: ratio 1.29-1.43 with 2x13 threads, 1.24 with 2x20)."""
    return -(-3 * limit // (2 * workers))


def purge_broker(broker_url: str) -> None:
    """Empty the benchmark's queue and the Twilio budget's leases (a run killed midway leaves both)."""
    import redis

    client = redis.Redis.from_url(broker_url)
    for key in ["celery", "unacked", "unacked_index", f"owlie:twilio-inflight:{PARENT_SID}"]:
        client.delete(key)


class Workers:
    """`celery -A owlie_portal worker` subprocesses, started and stopped together."""

    def __init__(self, env: dict[str, str], *, count: int, pool: str, concurrency: int, extra_args=()):
        self.processes = []
        self.names = []
        log = open(os.environ.get("BENCH_WORKER_LOG", os.devnull), "a")
        for i in range(count):
            name = f"bench{i}-{os.getpid()}"
            self.names.append(name)
            self.processes.append(subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "owlie_portal", "worker", "--pool", pool,
                 "--concurrency", str(concurrency), "-n", f"{name}@%h", "--loglevel", os.environ.get("BENCH_WORKER_LOGLEVEL", "WARNING"),
                 "--without-gossip", "--without-mingle", "--without-heartbeat", *extra_args],
                cwd=REPO, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT))

    def wait_ready(self, app, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        missing = set(self.names)
        while missing and time.monotonic() < deadline:
            for reply in app.control.ping(timeout=0.5) or []:
                for host in reply:
                    missing.discard(host.split("@")[0])
        if missing:
            self.stop()
            raise SystemExit(f"workers did not start: {sorted(missing)}")

    def cpu_seconds(self) -> float:
        return sum(cpu_seconds(process.pid) for process in self.processes)

    def stop(self) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _proc_stat(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return []


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) a live process and its live children (a prefork pool) have used so far;
    0 where /proc is not there."""
    fields = _proc_stat(pid)
    if not fields:
        return 0.0
    ticks = int(fields[11]) + int(fields[12])
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (child := _proc_stat(int(entry.name))) and child[1] == str(pid):
            ticks += int(child[11]) + int(child[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def row(label: str, value, baseline=None, unit: str = "") -> str:
    beside = f"   (baseline {baseline}{unit})" if baseline is not None else ""
    return f"  {label:<28} {value}{unit}{beside}"
