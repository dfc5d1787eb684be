"""The control API under /_sandbox/ and the command-line server with its snapshot."""

import json
import os
import signal
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from twilio_sandbox.testing import SandboxHttpClient
from twilio.rest import Client

REPO = Path(__file__).resolve().parents[2]


def post_json(sandbox, path, data):
    request = urllib.request.Request(f"{sandbox.url}/_sandbox/{path}", data=json.dumps(data).encode(),
                                     method="POST", headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=5) as answer:
        return json.loads(answer.read())


def test_reset_leaves_only_the_parent_with_the_same_credentials(sandbox, parent_client):
    parent_client.api.v2010.accounts.create(friendly_name="temporary")
    answer = sandbox.control("reset")
    assert answer["parent_sid"] == sandbox.parent_sid
    assert list(sandbox.sandbox.store.accounts) == [sandbox.parent_sid]
    assert parent_client.api.v2010.account.fetch().sid == sandbox.parent_sid


def test_state_returns_every_table_as_json(sandbox, parent_client):
    sub = parent_client.api.v2010.accounts.create(friendly_name="visible")
    state = sandbox.control("state", method="GET")
    assert {"accounts", "keys", "numbers", "messages", "services", "triggers", "optouts", "faults"} <= set(state)
    assert sub.sid in {a["sid"] for a in state["accounts"]}


def test_control_api_needs_no_credentials(sandbox):
    with urllib.request.urlopen(f"{sandbox.url}/_sandbox/stats", timeout=5) as answer:
        assert answer.status == 200


def test_suspend_by_twilio_then_unsuspend_restores_the_account(sandbox, parent_client):
    sub = parent_client.api.v2010.accounts.create(friendly_name="flagged")
    assert sandbox.control(f"accounts/{sub.sid}/suspend-by-twilio")["status"] == "suspended"
    assert sandbox.sandbox.store.accounts[sub.sid].suspended_by_twilio
    assert sandbox.control(f"accounts/{sub.sid}/unsuspend-by-twilio")["status"] == "active"
    assert parent_client.api.v2010.accounts(sub.sid).update(status="suspended").status == "suspended"


def test_suspension_endpoint_takes_a_form_flag(sandbox, parent_client):
    sub = parent_client.api.v2010.accounts.create(friendly_name="flag")
    assert sandbox.control(f"accounts/{sub.sid}/suspension", suspended="true")["suspended_by_twilio"] is True
    assert sandbox.control(f"accounts/{sub.sid}/suspension", suspended="false")["status"] == "active"


def test_suspending_an_unknown_account_is_404(sandbox):
    with pytest.raises(urllib.error.HTTPError) as raised:
        sandbox.control(f"accounts/AC{'0' * 32}/suspend-by-twilio")
    assert raised.value.code == 404


def test_faults_accept_a_json_body(sandbox):
    answer = post_json(sandbox, "faults", {"latency_ms": 5, "p_429": 0.25, "seed": 3})
    assert (answer["latency_ms"], answer["p_429"], answer["seed"]) == (5.0, 0.25, 3)


def test_config_sets_max_subaccounts(sandbox):
    assert sandbox.control("config", max_subaccounts=7)["max_subaccounts"] == 7
    assert sandbox.sandbox.store.max_subaccounts == 7


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_cli(port, snapshot):
    env = {k: v for k, v in os.environ.items() if k not in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN")}
    process = subprocess.Popen(
        [sys.executable, "-m", "twilio_sandbox", "--port", str(port), "--snapshot", str(snapshot)],
        cwd=REPO, env=env, stdout=subprocess.PIPE, text=True)
    line = process.stdout.readline()
    return process, line


def test_cli_keeps_demo_state_in_its_snapshot_across_restarts(tmp_path):
    from twilio_sandbox.__main__ import DEMO_ACCOUNT_SID, DEMO_AUTH_TOKEN
    snapshot, port = tmp_path / "state.json", free_port()
    process, line = start_cli(port, snapshot)
    try:
        assert line.strip() == f"Twilio sandbox listening on http://127.0.0.1:{port} (parent {DEMO_ACCOUNT_SID})"
        client = Client(DEMO_ACCOUNT_SID, DEMO_AUTH_TOKEN, http_client=SandboxHttpClient(f"http://127.0.0.1:{port}"))
        sub = client.api.v2010.accounts.create(friendly_name="survives restart")
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    process, _ = start_cli(port, snapshot)
    try:
        assert client.api.v2010.accounts(sub.sid).fetch().friendly_name == "survives restart"
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=10)
