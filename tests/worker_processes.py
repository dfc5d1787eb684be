"""Real Celery worker processes for reliability tests: started, pinged, killed and replaced.

They need PostgreSQL and a Redis broker (a subprocess cannot share the in-memory broker or the SQLite
test database); `requires_real_services()` skips a test otherwise.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection

from owlie_portal.celery import app as celery_app

REPO = Path(__file__).resolve().parents[1]


def requires_real_services() -> None:
    if not (django_settings.BROKER_IS_REDIS and connection.vendor == "postgresql"):
        pytest.skip("needs CELERY_BROKER_URL=redis://… and DATABASE_URL=postgres://…: a worker subprocess "
                    "cannot share the in-memory broker or the SQLite test database")


def database_url() -> str:
    db = django_settings.DATABASES["default"]  # NAME is the test database inside a test
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def worker_env(sandbox, **overrides) -> dict:
    return {**os.environ, "DATABASE_URL": database_url(), "CELERY_BROKER_URL": django_settings.CELERY_BROKER_URL,
            "TWILIO_BASE_URL": sandbox.url, "TWILIO_ACCOUNT_SID": sandbox.parent_sid,
            "TWILIO_AUTH_TOKEN": sandbox.parent_token, "TWILIO_MAX_CONCURRENCY": "4", "TWILIO_HTTP_TIMEOUT": "2",
            "OPERATION_STALE_AFTER_S": "3", "LOG_LEVEL": "WARNING", **overrides}


def start_worker(name: str, env: dict, *, log_path: Path | None = None) -> subprocess.Popen:
    output = open(log_path, "ab") if log_path else subprocess.DEVNULL
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "owlie_portal", "worker", "--pool", "threads", "--concurrency",
         env["TWILIO_MAX_CONCURRENCY"], "-n", f"{name}-{os.getpid()}@%h", "--loglevel", "WARNING",
         "--without-gossip", "--without-mingle", "--without-heartbeat"],
        cwd=REPO, env=env, stdout=output, stderr=subprocess.STDOUT if log_path else subprocess.DEVNULL,
        start_new_session=True)


def wait_for_worker(name: str, wait_until, app=celery_app) -> None:
    hostname_prefix = f"{name}-{os.getpid()}@"
    wait_until(lambda: any(host.startswith(hostname_prefix) for reply in (app.control.ping(timeout=0.5) or [])
                           for host in reply), timeout=30, message=f"worker {name} to answer a ping")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def forget_unacked(task_ids: set[str], broker_url: str | None = None) -> None:
    """Drop a dead worker's unacked messages (the broker would re-deliver them after the visibility timeout)."""
    import redis

    client = redis.Redis.from_url(broker_url or django_settings.CELERY_BROKER_URL)
    for tag, raw in client.hgetall("unacked").items():
        try:
            task_id = json.loads(raw)[0]["headers"]["id"]
        except (ValueError, KeyError, IndexError, TypeError):
            continue
        if task_id in task_ids:
            client.hdel("unacked", tag)
            client.zrem("unacked_index", tag)
