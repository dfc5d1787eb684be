"""The Twilio gateway against the sandbox over real HTTP: records, error family, 429 retries, the budget."""

from __future__ import annotations

import dataclasses
import socket
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import redis

from owlie_portal.twilio_gateway import accounts
from owlie_portal.twilio_gateway.budget import RedisBudget
from owlie_portal.twilio_gateway.errors import TwilioAmbiguousError, TwilioPermanentError, TwilioTransientError
from owlie_portal.twilio_gateway.records import SubaccountCredentials

LIST_ENDPOINT = "GET /2010-04-01/Accounts.json"
REPO = Path(__file__).resolve().parents[2]


def _parallel(count: int, fn) -> list:
    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(lambda i: fn(i), range(count)))


def _peak_in_flight(sandbox) -> int:
    return sandbox.sandbox.stats.to_json()["peak_in_flight"].get(sandbox.parent_sid, 0)


def _in_flight(sandbox) -> int:
    return sandbox.sandbox.stats.to_json()["in_flight"].get(sandbox.parent_sid, 0)


def test_the_gateway_reaches_the_sandbox_and_returns_frozen_records_without_the_token_in_repr(sandbox):
    created = accounts.subaccount_create(friendly_name="Falcon Flights [owlie-1]")

    stored = sandbox.sandbox.store.accounts[created.sid]
    assert (created.friendly_name, created.status) == ("Falcon Flights [owlie-1]", "active")
    assert created.owner_account_sid == sandbox.parent_sid
    assert created.auth_token == stored.auth_token
    assert created.auth_token not in repr(created) and created.auth_token not in str(created)
    with pytest.raises(dataclasses.FrozenInstanceError):
        created.status = "closed"
    assert accounts.subaccount_find(friendly_name="Falcon Flights [owlie-1]").sid == created.sid
    assert accounts.subaccount_fetch(sid=created.sid).status == "active"
    assert all(created.auth_token not in repr(page) for page in accounts.subaccount_pages())

    key = accounts.api_key_create(account_sid=created.sid, friendly_name="owlie-portal")
    assert key.secret and key.secret not in repr(key)


def test_subaccount_credentials_keep_the_auth_token_and_the_api_key_secret_out_of_repr_and_str():
    credentials = SubaccountCredentials(account_sid="AC" + "1" * 32, auth_token="token-" + "2" * 26,
                                        api_key_sid="SK" + "3" * 32, api_key_secret="secret-" + "4" * 25)

    for text in (repr(credentials), str(credentials), f"{credentials}"):
        assert credentials.account_sid in text and credentials.api_key_sid in text
        assert credentials.auth_token not in text and credentials.api_key_secret not in text
    with pytest.raises(dataclasses.FrozenInstanceError):
        credentials.auth_token = "changed"


def test_reopening_a_closed_subaccount_is_a_permanent_error_with_twilios_code_and_status(sandbox):
    created = accounts.subaccount_create(friendly_name="Closing Co")
    accounts.subaccount_set_status(sid=created.sid, status="closed")

    with pytest.raises(TwilioPermanentError) as raised:
        accounts.subaccount_set_status(sid=created.sid, status="active")
    assert (raised.value.code, raised.value.status) == (21479, 400)
    assert sandbox.sandbox.store.accounts[created.sid].status == "closed"


def test_fetching_an_unknown_subaccount_is_a_permanent_404(sandbox):
    with pytest.raises(TwilioPermanentError) as raised:
        accounts.subaccount_fetch(sid="AC" + "f" * 32)
    assert (raised.value.code, raised.value.status) == (20404, 404)


def test_the_accounts_list_read_as_json_gives_the_records_the_sdk_would(sandbox):
    made = [accounts.subaccount_create(friendly_name=f"Heron Air {i}") for i in range(3)]
    accounts.subaccount_set_status(sid=made[1].sid, status="suspended")
    through_sdk = {a.sid: accounts._record(a) for a in sandbox.client().api.v2010.accounts.list()
                   if a.sid != sandbox.parent_sid}

    pages = list(accounts.subaccount_pages(page_size=2))  # 3 subaccounts and the parent: 2 pages

    assert len(pages) == 2
    as_json = {record.sid: record for page in pages for record in page}
    assert as_json == through_sdk and set(as_json) == {m.sid for m in made}
    assert as_json[made[1].sid].status == "suspended" and as_json[made[0].sid].date_created.tzinfo is not None
    assert all(page.requested_at <= later.requested_at for page, later in zip(pages, pages[1:]))


def test_a_failed_list_raises_the_gateways_permanent_error_with_code_and_status(sandbox, settings):
    # The SDK raises the base TwilioException for a failed page (docs/twilio-behaviour.md §2); the gateway must still classify it.
    settings.TWILIO_AUTH_TOKEN = "f" * 32

    with pytest.raises(TwilioPermanentError) as raised:
        list(accounts.subaccount_pages())
    assert (raised.value.code, raised.value.status) == (20003, 401)
    with pytest.raises(TwilioPermanentError) as raised:
        accounts.subaccount_find(friendly_name="anything")
    assert (raised.value.code, raised.value.status) == (20003, 401)


def test_a_refused_connection_is_transient(sandbox, settings):
    with socket.socket() as sock:  # a port that was free a moment ago and has no listener
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings.TWILIO_BASE_URL = f"http://127.0.0.1:{port}"

    with pytest.raises(TwilioTransientError):
        accounts.subaccount_fetch(sid=sandbox.parent_sid)
    with pytest.raises(TwilioTransientError):
        accounts.subaccount_create(friendly_name="Never Sent")  # never reached Twilio: safe to retry


def test_a_read_timeout_on_a_create_is_ambiguous_and_the_account_exists(sandbox, settings):
    settings.TWILIO_HTTP_TIMEOUT = 0.3
    sandbox.sandbox.faults.configure({"p_read_timeout": 1.0, "read_timeout_s": 1.0})

    with pytest.raises(TwilioAmbiguousError):
        accounts.subaccount_create(friendly_name="Lost Answer")
    sandbox.sandbox.faults.clear()
    assert accounts.subaccount_find(friendly_name="Lost Answer") is not None  # it did happen


def test_a_read_timeout_on_a_status_update_is_transient(sandbox, settings):
    created = accounts.subaccount_create(friendly_name="Slow Update")
    settings.TWILIO_HTTP_TIMEOUT = 0.3
    sandbox.sandbox.faults.configure({"p_read_timeout": 1.0, "read_timeout_s": 1.0})

    with pytest.raises(TwilioTransientError):
        accounts.subaccount_set_status(sid=created.sid, status="suspended")


def test_rate_limited_answers_are_retried_until_every_call_succeeds(sandbox, settings):
    settings.TWILIO_MAX_CONCURRENCY = 10
    created = [accounts.subaccount_create(friendly_name=f"Rate {i}") for i in range(12)]
    sandbox.sandbox.stats.reset()
    sandbox.sandbox.faults.configure({"concurrency_limit": 2, "latency_ms": 20})

    results = _parallel(12, lambda i: accounts.subaccount_set_status(sid=created[i].sid, status="suspended"))

    assert [r.status for r in results] == ["suspended"] * 12
    assert all(sandbox.sandbox.store.accounts[c.sid].status == "suspended" for c in created)
    assert sandbox.sandbox.stats.to_json()["responses"].get("429", 0) > 0  # the limit really was hit


def test_requests_in_flight_never_exceed_the_configured_concurrency(sandbox, settings, wait_until):
    settings.TWILIO_MAX_CONCURRENCY = 3
    sandbox.sandbox.stats.reset()
    sandbox.sandbox.faults.hold()  # nothing answers until released: only the budget limits the overlap
    start = threading.Barrier(12 + 1)

    def fetch():
        start.wait()
        return accounts.subaccount_fetch(sid=sandbox.parent_sid)

    with ThreadPoolExecutor(max_workers=12) as pool:
        pending = [pool.submit(fetch) for _ in range(12)]
        start.wait()
        try:
            # Exactly 3: fewer means the budget is stricter than configured, more that it lets extra through.
            wait_until(lambda: _in_flight(sandbox) == 3, timeout=10, message="3 requests in flight")
        finally:
            sandbox.sandbox.faults.release()
        assert all(p.result(timeout=30).sid == sandbox.parent_sid for p in pending)

    stats = sandbox.sandbox.stats.to_json()
    assert stats["requests"]["GET /2010-04-01/Accounts/{Sid}.json"] == 12
    assert _peak_in_flight(sandbox) == 3


# --- the Redis budget, shared by processes ------------------------------------------------------------

@pytest.fixture
def redis_url(settings):
    if not settings.TWILIO_REDIS_URL:
        pytest.skip("TWILIO_REDIS_URL is unset (no Redis broker): the process-wide budget is a local semaphore")
    return settings.TWILIO_REDIS_URL


@pytest.fixture
def budget_key(redis_url):
    key = f"owlie:twilio-inflight:test-{uuid.uuid4().hex}"
    yield key
    redis.Redis.from_url(redis_url).delete(key)


def test_the_redis_budget_bounds_requests_in_flight_across_independent_holders(redis_url, budget_key, wait_until):
    budgets = [RedisBudget(redis_url, budget_key, limit=3, lease_s=30) for _ in range(4)]  # 4 "processes"
    leases = redis.Redis.from_url(redis_url)
    lock, holding, peak = threading.Lock(), [0], [0]
    start, release = threading.Barrier(16 + 1), threading.Event()

    def hold(i: int) -> None:
        start.wait()
        with budgets[i % 4].slot():
            with lock:
                holding[0] += 1
                peak[0] = max(peak[0], holding[0])
            release.wait(30)
            with lock:
                holding[0] -= 1

    with ThreadPoolExecutor(max_workers=16) as pool:
        done = [pool.submit(hold, i) for i in range(16)]
        start.wait()
        try:
            wait_until(lambda: holding[0] == 3 and leases.zcard(budget_key) == 3, timeout=10,
                       message="3 holders with 3 leases in Redis")
        finally:
            release.set()
        for future in done:
            future.result(timeout=30)

    assert peak[0] == 3
    assert leases.zcard(budget_key) == 0  # every lease given back


def test_a_lease_left_by_a_killed_holder_lapses(redis_url, budget_key):
    leases = redis.Redis.from_url(redis_url)
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import time\n"
         "from owlie_portal.twilio_gateway.budget import RedisBudget\n"
         f"budget = RedisBudget({redis_url!r}, {budget_key!r}, limit=1, lease_s=0.5)\n"
         "with budget.slot():\n"
         "    print('holding', flush=True)\n"
         "    time.sleep(60)\n"],
        cwd=REPO, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "holding"
    finally:
        holder.kill()  # SIGKILL: its finally never runs, the lease stays behind
        holder.wait()
    [(dead_token, dead_until)] = leases.zrange(budget_key, 0, -1, withscores=True)
    budget, taken = RedisBudget(redis_url, budget_key, limit=1, lease_s=30), []

    def take():
        with budget.slot():
            taken.append(leases.zrange(budget_key, 0, -1, withscores=True))

    waiter = threading.Thread(target=take, daemon=True)
    waiter.start()
    waiter.join(timeout=10)
    assert taken, "the dead holder's lease never lapsed"
    [(token, until)] = taken[0]
    assert token != dead_token  # the dead lease is gone; only the new one holds the slot
    # By Redis' own clock the slot was taken no earlier than the dead lease's end (score = taken at + lease_s).
    assert until - 30 >= dead_until - 1e-6


def test_an_answer_cut_off_mid_body_is_ambiguous_for_a_create_and_transient_for_an_update():
    from owlie_portal.twilio_gateway.calls import twilio_call
    from owlie_portal.twilio_gateway.errors import TwilioAmbiguousError, TwilioTransientError
    from owlie_portal.twilio_gateway.transport import AnswerLost

    def cut_off():
        raise AnswerLost("ProtocolError: Connection broken: IncompleteRead")

    with pytest.raises(TwilioAmbiguousError):
        twilio_call(cut_off, idempotent=False, what="create a subaccount")
    with pytest.raises(TwilioTransientError):
        twilio_call(cut_off, idempotent=True, what="set a subaccount suspended")


def test_proxy_settings_from_the_environment_are_read_once_per_host_and_still_honoured(sandbox, monkeypatch):
    from owlie_portal.twilio_gateway.client import PortalHttpClient
    from owlie_portal.twilio_gateway.transport import NotSent

    # A proxy nobody listens on, bypassed for the sandbox's host by NO_PROXY (requests' own rules).
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    http = PortalHttpClient(base_url=sandbox.url, timeout=5)
    url = f"{sandbox.url}/2010-04-01/Accounts/{sandbox.parent_sid}.json"

    assert http.request("GET", url, auth=(sandbox.parent_sid, sandbox.parent_token)).status_code == 200
    monkeypatch.setenv("NO_PROXY", "")  # read once: a running process keeps what it started with
    assert http.request("GET", url, auth=(sandbox.parent_sid, sandbox.parent_token)).status_code == 200
    fresh = PortalHttpClient(base_url=sandbox.url, timeout=5)
    with pytest.raises(NotSent, match="ProxyError|proxy"):
        fresh.request("GET", url, auth=(sandbox.parent_sid, sandbox.parent_token))


def test_a_slot_given_back_wakes_a_waiting_request_at_once(redis_url, budget_key, monkeypatch):
    # Waiters look at the leases again only every POLL_S; made an hour here, only the wake-up can let one in.
    monkeypatch.setattr("owlie_portal.twilio_gateway.budget.POLL_S", 3600)
    holder, waiter = (RedisBudget(redis_url, budget_key, limit=1, lease_s=30) for _ in range(2))
    taken, release = threading.Event(), threading.Event()

    def hold():
        with holder.slot():
            release.wait(10)

    def wait_for_a_slot():
        with waiter.slot():
            taken.set()

    holding = threading.Thread(target=hold, daemon=True)
    holding.start()
    try:
        deadline = time.monotonic() + 5
        while redis.Redis.from_url(redis_url).zcard(budget_key) != 1 and time.monotonic() < deadline:
            time.sleep(0.01)
        waiting = threading.Thread(target=wait_for_a_slot, daemon=True)
        waiting.start()
        assert not taken.wait(0.3), "the waiter got a slot while the only one was held"
    finally:
        release.set()
    assert taken.wait(5), "the slot given back did not wake the waiting request"
    waiting.join(5)
    holding.join(5)
    assert redis.Redis.from_url(redis_url).zcard(budget_key) == 0
