"""The SDK's HTTP interface over urllib3: what goes on the wire, and what each way of failing is called.

Each failure is produced by a real socket server doing that one thing (refusing, keeping silent, hanging up
after the request, cutting the body short), so the names are checked against what urllib3 really raises."""

from __future__ import annotations

import base64
import socket
import threading
from contextlib import contextmanager
from urllib.parse import parse_qs, urlsplit

import pytest

from owlie_portal.twilio_gateway.calls import twilio_call
from owlie_portal.twilio_gateway.errors import TwilioAmbiguousError, TwilioTransientError
from owlie_portal.twilio_gateway.transport import AnswerLost, NoAnswer, NotSent, UrllibHttpClient

OK = b"HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: 2\r\n\r\n{}"


def _read_request(conn: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = next((int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                   if line.lower().startswith(b"content-length:")), 0)
    while len(body) < length:
        body += conn.recv(65536)
    return head + b"\r\n\r\n" + body


@contextmanager
def one_shot_server(answer):
    """A server on a free port that reads one request, hands it to `answer(conn, request)` and stops."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    seen: list[bytes] = []

    def serve():
        conn, _ = listener.accept()
        with conn:
            request = _read_request(conn)
            seen.append(request)
            answer(conn, request)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}", seen
    finally:
        listener.close()
        thread.join(timeout=5)


def _parse(request: bytes) -> tuple[str, str, dict, bytes]:
    head, _, body = request.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    method, target, _ = lines[0].split(" ")
    headers = {k.strip().lower(): v.strip() for k, v in (line.split(":", 1) for line in lines[1:])}
    return method, target, headers, body


def test_a_form_post_goes_out_as_requests_sent_it():
    with one_shot_server(lambda conn, _: conn.sendall(OK)) as (url, seen):
        response = UrllibHttpClient(timeout=5).request(
            "POST", f"{url}/2010-04-01/Accounts.json?Page=2", params={"PageSize": 50},
            data={"FriendlyName": "Falcon Flights & Co", "StatusCallbackEvent": ["initiated", "ringing"],
                  "Unset": None},
            headers={"Content-Type": "application/x-www-form-urlencoded"}, auth=("AC" + "1" * 32, "secret"))

    assert (response.status_code, response.text) == (200, "{}")
    method, target, headers, body = _parse(seen[0])
    assert method == "POST"
    assert parse_qs(urlsplit(target).query) == {"Page": ["2"], "PageSize": ["50"]}
    assert parse_qs(body.decode()) == {"FriendlyName": ["Falcon Flights & Co"],
                                       "StatusCallbackEvent": ["initiated", "ringing"]}  # None left out
    assert headers["content-type"] == "application/x-www-form-urlencoded"
    assert headers["authorization"] == "Basic " + base64.b64encode(f"AC{'1' * 32}:secret".encode()).decode()
    assert "gzip" in headers["accept-encoding"]


def test_a_json_api_gets_a_json_body():
    with one_shot_server(lambda conn, _: conn.sendall(OK)) as (url, seen):
        UrllibHttpClient(timeout=5).request("POST", f"{url}/v1/Things", data={"a": [1, 2]},
                                            headers={"Content-Type": "application/json"})
    assert _parse(seen[0])[3] == b'{"a": [1, 2]}'


def test_a_refused_connection_was_not_sent():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    listener.close()  # nobody listens there now
    with pytest.raises(NotSent):
        UrllibHttpClient(timeout=5).request("GET", f"http://127.0.0.1:{port}/x.json")


def test_silence_after_the_request_is_no_answer():
    release = threading.Event()
    with one_shot_server(lambda conn, _: release.wait(5)) as (url, _):
        with pytest.raises(NoAnswer):
            UrllibHttpClient(timeout=0.3).request("POST", f"{url}/x.json", data={"a": "b"})
        release.set()


@pytest.mark.parametrize("answer", [
    lambda conn, _: None,  # hangs up without a word
    lambda conn, _: conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\n{\"sid\": \"AC"),  # cut short
], ids=["hung-up", "cut-off"])
def test_a_connection_dropped_after_the_request_lost_the_answer(answer):
    with one_shot_server(answer) as (url, _):
        with pytest.raises(AnswerLost):
            UrllibHttpClient(timeout=5).request("POST", f"{url}/x.json", data={"a": "b"})


def test_the_gateway_names_each_failure_for_what_it_means_to_a_retry():
    def failing(exc):
        def call():
            raise exc
        return call

    with pytest.raises(TwilioTransientError, match="Could not connect"):
        twilio_call(failing(NotSent("refused")), idempotent=False, what="create a subaccount")
    with pytest.raises(TwilioAmbiguousError, match="did not answer in time"):
        twilio_call(failing(NoAnswer("read timed out")), idempotent=False, what="create a subaccount")
    with pytest.raises(TwilioTransientError, match="did not answer in time"):
        twilio_call(failing(NoAnswer("read timed out")), idempotent=True, what="fetch a subaccount")
    with pytest.raises(TwilioAmbiguousError, match="may have happened"):
        twilio_call(failing(AnswerLost("reset")), idempotent=False, what="create a subaccount")
