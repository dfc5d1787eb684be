"""Redis goes away in the middle of a bulk and comes back: every Operation ends final, none FAILED for a
change Twilio applied, the database agrees with Twilio, and no change reaches Twilio twice.

The test runs its own redis-server (broker and concurrency budget) on a free port, so it can kill it, and
plays systemd for the worker: a worker that exits during the outage is started again.
"""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import time

import pytest
from celery import Celery
from django.db.models import Count

from owlie_portal.operations import dispatch
from owlie_portal.operations.models import Operation
from owlie_portal.operations.sweeper import operations_sweep
from owlie_portal.tenants import services
from owlie_portal.tenants.kinds import Kind
from owlie_portal.tenants.models import Tenant
from worker_processes import requires_real_services, start_worker, stop, worker_env

pytestmark = pytest.mark.slow
UPDATE_ENDPOINT = "POST /2010-04-01/Accounts/{Sid}.json"
COUNT = 40


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RedisServer:
    def __init__(self, port: int):
        self.port, self.process = port, None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, wait_until) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_until(self._answers, timeout=10, message="redis-server to answer")

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as conn:
                conn.sendall(b"PING\r\n")
                return conn.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()


def _states(batch) -> dict[str, int]:
    rows = Operation.objects.filter(batch=batch).values("state").annotate(n=Count("pk"))
    return {row["state"]: row["n"] for row in rows}


@pytest.mark.timeout(240)
def test_a_redis_outage_mid_bulk_loses_nothing_fails_nothing_and_repeats_nothing(
        transactional_db, sandbox, sandbox_tenants, support_user, wait_until, monkeypatch, tmp_path):
    requires_real_services()
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    redis = RedisServer(_free_port())
    redis.start(wait_until)
    portal_side = Celery("portal-side")  # what the web process publishes with: the same broker as the worker
    portal_side.conf.broker_write_url = redis.url
    monkeypatch.setattr(dispatch, "celery_app", portal_side)
    tenants = sandbox_tenants(COUNT)
    sandbox.sandbox.stats.reset()
    sandbox.sandbox.faults.configure({"latency_ms": 250})  # 40 updates, 4 at a time: ~2.5 s of work
    env = worker_env(sandbox, CELERY_BROKER_URL=redis.url, TWILIO_REDIS_URL=redis.url)
    workers = [start_worker("outage", env, log_path=tmp_path / "worker.log")]
    try:
        time.sleep(2)  # the worker connects (no ping: the test's own app talks to another broker)
        batch = services.tenants_bulk_status_change(
            tenants=Tenant.objects.filter(pk__in=[t.pk for t in tenants]), kind=Kind.SUBACCOUNT_SUSPEND,
            requested_by=support_user, reason=Tenant.SuspensionReason.NON_PAYMENT)
        wait_until(lambda: _states(batch).get(Operation.State.SUCCEEDED, 0) >= COUNT // 5, timeout=60,
                   message="a fifth of the batch to be done")
        redis.kill()  # Redis goes away mid-bulk…
        assert _states(batch).get(Operation.State.SUCCEEDED, 0) < COUNT, "the batch finished before the outage"
        operations_sweep(older_than_s=3)  # beat keeps sweeping meanwhile: it must not fail anything
        time.sleep(5)
        redis.start(wait_until)  # …and comes back, empty (no persistence): every queued message is gone

        def all_final() -> bool:
            if workers[-1].poll() is not None:  # what systemd's Restart=always does
                workers.append(start_worker("outage", env, log_path=tmp_path / "worker.log"))
            operations_sweep(older_than_s=3)
            states = _states(batch)
            return states.get(Operation.State.SUCCEEDED, 0) + states.get(Operation.State.FAILED, 0) == COUNT

        wait_until(all_final, timeout=150, interval=1.0, message="every operation to end after the outage")
    finally:
        for worker in workers:
            stop(worker)
        redis.kill()

    assert _states(batch) == {Operation.State.SUCCEEDED: COUNT}, (tmp_path / "worker.log").read_text()[-3000:]
    assert {sandbox.sandbox.store.accounts[t.subaccount_sid].status for t in tenants} == {"suspended"}
    assert set(Tenant.objects.values_list("status", flat=True)) == {Tenant.Status.SUSPENDED}
    assert sandbox.sandbox.stats.to_json()["requests"][UPDATE_ENDPOINT] == COUNT  # no change sent twice
    messages = " ".join(Operation.objects.values_list("error_message", flat=True))
    assert str(redis.port) not in messages and "Redis" not in messages.replace("(Redis)", "")
