"""Fault injection and request statistics (control API + the real client)."""

import base64
import http.client
import threading
import time

import pytest
import requests
from twilio.base.exceptions import TwilioRestException
from resource_helpers import error_of  # noqa: E402


def raw_fetch(sandbox):
    host, port = sandbox.url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=5)
    auth = "Basic " + base64.b64encode(f"{sandbox.parent_sid}:{sandbox.parent_token}".encode()).decode()
    connection.request("GET", f"/2010-04-01/Accounts/{sandbox.parent_sid}.json", headers={"Authorization": auth})
    response = connection.getresponse()
    response.read()
    connection.close()
    return response


def in_parallel(count, call):
    results, threads = [], []

    def run():
        try:
            results.append(call())
        except TwilioRestException as error:
            results.append(error)

    for _ in range(count):
        threads.append(threading.Thread(target=run))
        threads[-1].start()
    for thread in threads:
        thread.join()
    return results


def test_latency_delays_each_answer(sandbox, parent_client):
    sandbox.control("faults", latency_ms=80)
    started = time.perf_counter()
    parent_client.api.v2010.account.fetch()
    assert time.perf_counter() - started >= 0.08


def test_injected_429_carries_20429_and_the_concurrency_header(sandbox, parent_client):
    sandbox.control("faults", p_429=1)
    assert error_of(lambda: parent_client.api.v2010.account.fetch()) == (429, 20429)
    assert raw_fetch(sandbox).getheader("Twilio-Concurrent-Requests") == "1"


def test_injected_429_does_not_process_the_request(sandbox, parent_client):
    sandbox.control("faults", p_429=1)
    error_of(lambda: parent_client.api.v2010.accounts.create(friendly_name="never"))
    assert len(sandbox.sandbox.store.accounts) == 1


def test_injected_500_answers_20500(sandbox, parent_client):
    sandbox.control("faults", p_500=1)
    assert error_of(lambda: parent_client.api.v2010.account.fetch()) == (500, 20500)


def test_dropped_connection_gives_the_client_no_response(sandbox, parent_client):
    sandbox.control("faults", p_drop=1)
    with pytest.raises(requests.exceptions.ConnectionError):
        parent_client.api.v2010.account.fetch()


def test_read_timeout_applies_the_change_but_answers_too_late(sandbox):
    sandbox.control("faults", p_read_timeout=1, read_timeout_s=1)
    client = sandbox.client(timeout=0.3)
    with pytest.raises(requests.exceptions.ReadTimeout):
        client.api.v2010.accounts.create(friendly_name="made anyway")
    names = [a.friendly_name for a in sandbox.sandbox.store.accounts.values()]
    assert "made anyway" in names


def test_concurrency_limit_rejects_requests_beyond_it_with_429(sandbox):
    sandbox.control("faults", concurrency_limit=2, latency_ms=150)
    results = in_parallel(5, lambda: sandbox.client().api.v2010.account.fetch())
    rejected = [r for r in results if isinstance(r, TwilioRestException)]
    assert len(rejected) == 3
    assert {(r.status, r.code) for r in rejected} == {(429, 20429)}


def test_concurrency_limit_counts_each_account_separately(sandbox, parent_client):
    sub = parent_client.api.v2010.accounts.create(friendly_name="separate")
    sandbox.control("faults", concurrency_limit=1, latency_ms=150)
    clients = iter([sandbox.client(), sandbox.client(sub.sid, sub.auth_token)])
    lock = threading.Lock()

    def call():
        with lock:
            client = next(clients)
        return client.api.v2010.account.fetch()

    results = in_parallel(2, call)
    assert not any(isinstance(r, TwilioRestException) for r in results)


def test_a_hold_keeps_requests_in_flight_until_released(sandbox, wait_until):
    sandbox.sandbox.faults.hold()
    answered = []
    threads = [threading.Thread(target=lambda: answered.append(sandbox.client().api.v2010.account.fetch().sid))
               for _ in range(3)]
    for thread in threads:
        thread.start()

    wait_until(lambda: sandbox.sandbox.stats.to_json()["in_flight"] == {sandbox.parent_sid: 3},
               timeout=10, message="three requests held in flight")
    assert answered == []
    sandbox.sandbox.faults.release()
    for thread in threads:
        thread.join()
    assert answered == [sandbox.parent_sid] * 3
    assert sandbox.sandbox.stats.to_json()["peak_in_flight"] == {sandbox.parent_sid: 3}


def test_same_seed_repeats_the_same_faults(sandbox, parent_client):
    def outcomes():
        sandbox.control("faults", p_500=0.5, seed=42)
        row = []
        for _ in range(12):
            try:
                parent_client.api.v2010.account.fetch()
                row.append("ok")
            except TwilioRestException:
                row.append("500")
        return row

    first, second = outcomes(), outcomes()
    assert first == second
    assert set(first) == {"ok", "500"}


def test_faults_do_not_apply_to_the_control_api(sandbox):
    sandbox.control("faults", p_500=1, p_drop=0)
    assert sandbox.control("stats", method="GET")["total_requests"] == 0


def test_deleting_faults_restores_normal_answers(sandbox, parent_client):
    sandbox.control("faults", p_500=1)
    sandbox.control("faults", method="DELETE")
    assert parent_client.api.v2010.account.fetch().sid == sandbox.parent_sid


def test_unknown_fault_setting_is_rejected(sandbox):
    with pytest.raises(Exception) as raised:
        sandbox.control("faults", p_explode=1)
    assert "400" in str(raised.value)


def test_stats_count_requests_by_endpoint_pattern(sandbox, parent_client):
    parent_client.api.v2010.account.fetch()
    parent_client.api.v2010.account.fetch()
    parent_client.api.v2010.accounts.list()
    requests_by_endpoint = sandbox.control("stats", method="GET")["requests"]
    assert requests_by_endpoint == {"GET /2010-04-01/Accounts.json": 1,
                                    "GET /2010-04-01/Accounts/{Sid}.json": 2}


def test_stats_record_peak_in_flight_per_account(sandbox):
    sandbox.control("faults", latency_ms=150)
    in_parallel(3, lambda: sandbox.client().api.v2010.account.fetch())
    stats = sandbox.control("stats", method="GET")
    assert stats["peak_in_flight"] == {sandbox.parent_sid: 3}
    assert stats["in_flight"] == {}


def test_stats_reset_clears_the_counters(sandbox, parent_client):
    parent_client.api.v2010.account.fetch()
    stats = sandbox.control("stats/reset")
    assert (stats["requests"], stats["peak_in_flight"]) == ({}, {})


TRANSFER = "POST /2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers/{Sid}.json"


def test_a_targeted_lost_answer_applies_the_change_and_closes_the_connection(sandbox, parent_client):
    sub = parent_client.api.v2010.accounts.create(friendly_name="gaining")
    number = parent_client.api.v2010.accounts(sandbox.parent_sid).incoming_phone_numbers.create(area_code="415")
    sandbox.control("faults/targeted", endpoint=TRANSFER, outcome="lose_answer")

    with pytest.raises(requests.exceptions.ConnectionError):
        parent_client.api.v2010.accounts(sandbox.parent_sid).incoming_phone_numbers(number.sid).update(
            account_sid=sub.sid)

    assert sandbox.sandbox.store.numbers[number.sid].account_sid == sub.sid
    assert sandbox.control("faults", method="GET")["targeted"] == []


def test_a_targeted_fault_hits_only_its_endpoint_and_only_count_times(sandbox, parent_client):
    sandbox.control("faults/targeted", endpoint="POST /2010-04-01/Accounts.json", outcome="500", count=2)
    parent_client.api.v2010.account.fetch()  # another endpoint: untouched
    assert error_of(lambda: parent_client.api.v2010.accounts.create(friendly_name="a")) == (500, 20500)
    assert error_of(lambda: parent_client.api.v2010.accounts.create(friendly_name="b")) == (500, 20500)
    parent_client.api.v2010.accounts.create(friendly_name="c")
    assert sorted(a.friendly_name for a in sandbox.sandbox.store.accounts.values() if a.friendly_name in "abc") == ["c"]


def test_a_targeted_drop_does_not_process_the_request(sandbox, parent_client):
    sandbox.sandbox.faults.add_targeted(endpoint="POST /2010-04-01/Accounts.json", outcome="drop")
    with pytest.raises(requests.exceptions.ConnectionError):
        parent_client.api.v2010.accounts.create(friendly_name="never made")
    assert "never made" not in [a.friendly_name for a in sandbox.sandbox.store.accounts.values()]


def test_an_unknown_targeted_outcome_is_refused(sandbox):
    import urllib.error

    with pytest.raises(urllib.error.HTTPError) as raised:
        sandbox.control("faults/targeted", endpoint="GET /x", outcome="explode")
    assert raised.value.code == 400
