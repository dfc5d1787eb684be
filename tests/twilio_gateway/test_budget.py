"""The Redis budget when Redis itself goes away: infrastructure never turns a call that reached Twilio
into a failure, and a call that cannot get a slot is never sent and is safe to retry."""

from __future__ import annotations

import logging
import shutil
import socket
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from owlie_portal.twilio_gateway import accounts
from owlie_portal.twilio_gateway.budget import RedisBudget
from owlie_portal.twilio_gateway.errors import TwilioTransientError

KEY = "owlie:twilio-inflight:outage-test"


class RedisServer:
    """A redis-server of the test's own, on a free port, that the test may stop and start again."""

    def __init__(self, directory):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.url = f"redis://127.0.0.1:{self.port}/6"
        self._directory = directory
        self._process: subprocess.Popen | None = None

    def client(self) -> redis.Redis:
        return redis.Redis(port=self.port, db=6, socket_connect_timeout=1, retry=Retry(NoBackoff(), 0))

    def start(self) -> None:
        self._process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self._directory)], stdout=subprocess.DEVNULL)
        client, deadline = self.client(), time.monotonic() + 10
        while True:
            try:
                client.ping()
                return
            except redis.ConnectionError:
                if self._process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"redis-server did not start on port {self.port}") from None
                time.sleep(0.01)

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            self._process.wait(timeout=10)


@pytest.fixture
def own_redis(tmp_path):
    if not shutil.which("redis-server"):
        pytest.skip("redis-server is not on PATH")
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


def _names_no_host(text: str, server: RedisServer) -> bool:
    return str(server.port) not in text and "127.0.0.1" not in text and "localhost" not in text


def test_leaving_a_slot_after_redis_went_away_raises_nothing_and_logs_one_warning_without_the_host(
        own_redis, caplog):
    budget = RedisBudget(own_redis.url, KEY, limit=1, lease_s=30)

    with caplog.at_level(logging.WARNING, logger="owlie_portal.twilio_gateway.budget"):
        with budget.slot():
            assert own_redis.client().zcard(KEY) == 1
            own_redis.stop()

    assert len(caplog.records) == 1
    assert "could not give a slot back" in caplog.records[0].getMessage()
    assert _names_no_host(caplog.records[0].getMessage(), own_redis)


def test_taking_a_slot_while_redis_is_down_is_transient_without_the_host_and_works_again_after_a_restart(
        own_redis):
    budget = RedisBudget(own_redis.url, KEY, limit=1, lease_s=30)
    with budget.slot():  # leaves a pooled connection behind, which the outage makes stale
        pass
    own_redis.stop()

    with pytest.raises(TwilioTransientError) as raised:
        with budget.slot():
            pytest.fail("a slot was handed out without Redis")
    assert "request was not sent" in str(raised.value)
    assert _names_no_host(str(raised.value), own_redis)

    own_redis.start()
    with budget.slot():
        assert own_redis.client().zcard(KEY) == 1
    assert own_redis.client().zcard(KEY) == 0


def test_a_twilio_call_redis_dropped_out_of_returns_twilios_answer_and_the_next_call_is_not_sent(
        sandbox, settings, own_redis, wait_until):
    settings.TWILIO_REDIS_URL = own_redis.url
    created = accounts.subaccount_create(friendly_name="Outage Co")
    stats = sandbox.sandbox.stats
    sandbox.sandbox.faults.hold()  # the request waits inside Twilio while Redis goes away

    with ThreadPoolExecutor(max_workers=1) as pool:
        pending = pool.submit(accounts.subaccount_set_status, sid=created.sid, status="suspended")
        wait_until(lambda: stats.to_json()["in_flight"] == {sandbox.parent_sid: 1}, timeout=10,
                   message="the status change in flight at the sandbox")
        own_redis.stop()
        sandbox.sandbox.faults.release()
        assert pending.result(timeout=30).status == "suspended"
    assert sandbox.sandbox.store.accounts[created.sid].status == "suspended"

    stats.reset()
    with pytest.raises(TwilioTransientError) as raised:
        accounts.subaccount_set_status(sid=created.sid, status="active")
    assert stats.to_json()["total_requests"] == 0
    assert sandbox.sandbox.store.accounts[created.sid].status == "suspended"
    assert _names_no_host(str(raised.value), own_redis)
