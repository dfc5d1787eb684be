"""Shared helpers for the resource tests: a webhook receiver and small setup steps."""

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest
from twilio.base.exceptions import TwilioRestException
from twilio.request_validator import RequestValidator


class Receiver:
    """A local HTTP server that records every webhook it gets and answers 200 (or ``status``)."""

    def __init__(self, status: int = 200):
        self.requests: list[dict] = []
        self.status = status
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode("utf-8")
                receiver.requests.append({
                    "path": self.path, "headers": dict(self.headers),
                    "params": {k: v[0] for k, v in parse_qs(body, keep_blank_values=True).items()},
                })
                self.send_response(receiver.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.server.server_port}{path}"

    def wait_for(self, predicate, timeout: float = 5.0) -> list[dict]:
        """Wait until ``predicate(requests)`` holds; return the requests."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate(self.requests):
                return self.requests
            time.sleep(0.02)
        raise AssertionError(f"timed out; got {self.requests}")

    def statuses(self) -> list[str]:
        return [r["params"].get("MessageStatus") for r in self.requests]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def signature_valid(request: dict, url: str, token: str) -> bool:
    return RequestValidator(token).validate(url, request["params"], request["headers"]["X-Twilio-Signature"])


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()


@pytest.fixture
def fast_delivery(sandbox):
    """Delivery steps every 20 ms instead of 200 ms so tests stay quick."""
    delivery = sandbox.sandbox.delivery
    before = delivery.step_seconds
    delivery.step_seconds = 0.02
    yield delivery
    delivery.step_seconds = before


def rest_error(call) -> TwilioRestException:
    with pytest.raises(TwilioRestException) as caught:
        call()
    return caught.value


def error_of(call) -> tuple[int, int]:
    """(HTTP status, Twilio code) of the error a client call raises."""
    error = rest_error(call)
    return error.status, error.code


def buy(client, account_sid: str, **params):
    return client.api.v2010.accounts(account_sid).incoming_phone_numbers.create(**params)


def subaccount(client, name: str = "customer"):
    return client.api.v2010.accounts.create(friendly_name=name)


def wait_status(client, account_sid: str, sid: str, status: str, timeout: float = 5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        message = client.api.v2010.accounts(account_sid).messages(sid).fetch()
        if message.status == status:
            return message
        time.sleep(0.02)
    raise AssertionError(f"message {sid} never reached {status}")
