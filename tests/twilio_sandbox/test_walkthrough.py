"""The issue's "Done when" walkthrough against ``python -m twilio_sandbox`` with the unmodified client."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from resource_helpers import Receiver, signature_valid
from twilio_sandbox.testing import rewrite_url

ROOT = Path(__file__).resolve().parents[2]
PARENT_SID = "AC" + "1f" * 16
PARENT_TOKEN = "0123456789abcdef0123456789abcdef"


class LocalHttpClient(TwilioHttpClient):
    """Points the stock client at the sandbox: only the host changes (docs/twilio-behaviour.md §9)."""

    def __init__(self, base_url):
        super().__init__(timeout=10)
        self.base_url = base_url

    def request(self, method, url, *args, **kwargs):
        return super().request(method, rewrite_url(url, self.base_url), *args, **kwargs)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def sandbox_process():
    port = free_port()
    env = dict(os.environ, PYTHONPATH=str(ROOT), TWILIO_SANDBOX_DELIVERY_STEP="0.05")
    process = subprocess.Popen(
        [sys.executable, "-m", "twilio_sandbox", "--port", str(port),
         "--account-sid", PARENT_SID, "--auth-token", PARENT_TOKEN],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    yield url
    process.terminate()
    process.wait(timeout=10)


def test_subaccount_gets_a_number_sends_via_service_and_sees_delivered_signed(sandbox_process):
    receiver = Receiver()
    try:
        parent = Client(PARENT_SID, PARENT_TOKEN, http_client=LocalHttpClient(sandbox_process))
        sub = parent.api.v2010.accounts.create(friendly_name="Acme Dental")
        number = parent.incoming_phone_numbers.create(area_code="415")
        moved = parent.incoming_phone_numbers(number.sid).update(account_sid=sub.sid)
        assert moved.account_sid == sub.sid

        customer = Client(sub.sid, sub.auth_token, http_client=LocalHttpClient(sandbox_process))
        callback = receiver.url("/twilio/status")
        service = customer.messaging.v1.services.create(friendly_name="Acme reminders", status_callback=callback)
        customer.messaging.v1.services(service.sid).phone_numbers.create(phone_number_sid=number.sid)
        message = customer.messages.create(to="+14155559999", messaging_service_sid=service.sid, body="Hi there")
        assert message.status == "accepted"

        requests = receiver.wait_for(lambda got: any(r["params"]["MessageStatus"] == "delivered" for r in got),
                                     timeout=10)
        delivered = next(r for r in requests if r["params"]["MessageStatus"] == "delivered")
        assert delivered["params"]["MessageSid"] == message.sid
        assert delivered["params"]["AccountSid"] == sub.sid
        assert delivered["params"]["MessagingServiceSid"] == service.sid
        assert delivered["params"]["From"] == number.phone_number
        assert signature_valid(delivered, callback, sub.auth_token)
        assert customer.messages(message.sid).fetch().status == "delivered"
    finally:
        receiver.close()
