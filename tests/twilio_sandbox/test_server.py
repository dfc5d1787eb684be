"""The HTTP layer: speed, keep-alive, Twilio's error bodies, auth and wire formats."""

import base64
import http.client
import json
import re
import socket
import time

import pytest
from twilio.base.exceptions import TwilioRestException

from twilio_sandbox.routing import display_name
from twilio_sandbox.wire import iso8601, new_sid, rfc2822
from datetime import datetime, timezone


def raw_request(sandbox, method, path, *, auth=None, body=None, headers=None):
    host, port = sandbox.url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=5)
    headers = dict(headers or {})
    if auth:
        headers["Authorization"] = "Basic " + base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
    connection.request(method, path, body=body, headers=headers)
    response = connection.getresponse()
    data = response.read()
    connection.close()
    return response, data


def raw_exchange(sandbox, data: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send raw bytes, shut down writing (the server sees EOF), read the answer until the server closes."""
    host, port = sandbox.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(data)
        sock.shutdown(socket.SHUT_WR)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    head, _, body = b"".join(chunks).partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {name.lower(): value.strip() for name, _, value in (line.partition(":") for line in header_lines)}
    return int(status_line.split()[1]), headers, body


@pytest.mark.parametrize("declared", ["abc", "-1", "+5", "", "1_0"],
                         ids=["non-numeric", "negative", "signed", "empty", "underscore"])
def test_unusable_content_length_answers_twilio_400_and_closes(sandbox, declared):
    request = (f"POST /2010-04-01/Accounts.json HTTP/1.1\r\nHost: sandbox\r\nContent-Length: {declared}\r\n"
               "Content-Type: application/x-www-form-urlencoded\r\n\r\n").encode()

    status, headers, body = raw_exchange(sandbox, request)

    assert status == 400
    assert headers["connection"] == "close"
    assert json.loads(body) == {"code": 20001, "message": f"Invalid Content-Length: {declared!r}",
                                "more_info": "https://www.twilio.com/docs/errors/20001", "status": 400}


def test_body_shorter_than_content_length_answers_twilio_400_and_creates_nothing(sandbox, parent_client):
    request = (b"POST /2010-04-01/Accounts.json HTTP/1.1\r\nHost: sandbox\r\nContent-Length: 100\r\n"
               b"Content-Type: application/x-www-form-urlencoded\r\n\r\nFriendlyName=short")

    status, headers, body = raw_exchange(sandbox, request)

    assert status == 400
    assert headers["connection"] == "close"
    error = json.loads(body)
    assert (error["code"], error["status"]) == (20001, 400)
    assert error["message"] == "Content-Length is 100 but the request body has 18 bytes"
    assert [a.sid for a in parent_client.api.v2010.accounts.list()] == [sandbox.parent_sid]


def test_huge_content_length_is_refused_without_reading_the_body(sandbox):
    request = (b"POST /2010-04-01/Accounts.json HTTP/1.1\r\nHost: sandbox\r\n"
               b"Content-Length: 1000000000000\r\n\r\n")

    status, _, body = raw_exchange(sandbox, request)

    assert status == 413
    assert json.loads(body)["code"] == 20001


def test_a_fetch_round_trips_in_about_a_millisecond(sandbox, parent_client):
    account = parent_client.api.v2010.accounts(sandbox.parent_sid)
    account.fetch()
    started = time.perf_counter()
    for _ in range(50):
        account.fetch()
    per_call = (time.perf_counter() - started) / 50
    # ~1 ms on this machine; 40 ms would mean the Nagle/delayed-ACK stall is back.
    assert per_call < 0.015


def test_connection_is_kept_alive_across_requests(sandbox):
    host, port = sandbox.url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=5)
    auth = "Basic " + base64.b64encode(f"{sandbox.parent_sid}:{sandbox.parent_token}".encode()).decode()
    for _ in range(3):
        connection.request("GET", f"/2010-04-01/Accounts/{sandbox.parent_sid}.json", headers={"Authorization": auth})
        response = connection.getresponse()
        response.read()
        assert response.status == 200
        assert response.getheader("Content-Length")
    connection.close()


def test_unknown_path_answers_twilio_404_body(sandbox):
    response, data = raw_request(sandbox, "GET", f"/2010-04-01/Accounts/{sandbox.parent_sid}/Nope.json",
                                 auth=(sandbox.parent_sid, sandbox.parent_token))
    body = json.loads(data)
    assert response.status == 404
    assert body == {"code": 20404, "message": body["message"],
                    "more_info": "https://www.twilio.com/docs/errors/20404", "status": 404}


def test_wrong_token_is_rejected_with_20003(sandbox):
    client = sandbox.client(sandbox.parent_sid, "0" * 32)
    with pytest.raises(TwilioRestException) as raised:
        client.api.v2010.accounts(sandbox.parent_sid).fetch()
    assert (raised.value.status, raised.value.code) == (401, 20003)


def test_missing_credentials_are_rejected_with_20003(sandbox):
    response, data = raw_request(sandbox, "GET", f"/2010-04-01/Accounts/{sandbox.parent_sid}.json")
    assert response.status == 401
    assert json.loads(data)["code"] == 20003


def test_wrong_method_on_known_path_answers_405(sandbox):
    response, _ = raw_request(sandbox, "DELETE", "/2010-04-01/Accounts.json",
                              auth=(sandbox.parent_sid, sandbox.parent_token))
    assert response.status == 405


def test_error_bodies_never_carry_type_or_title(sandbox):
    _, data = raw_request(sandbox, "GET", "/2010-04-01/Nothing.json", auth=(sandbox.parent_sid, sandbox.parent_token))
    assert set(json.loads(data)) == {"code", "message", "more_info", "status"}


def test_sids_are_prefix_and_32_lowercase_hex():
    assert re.fullmatch(r"AC[0-9a-f]{32}", new_sid("AC"))


def test_dates_use_rfc2822_in_2010_and_iso8601_in_v1():
    moment = datetime(2015, 7, 30, 20, 0, 0, tzinfo=timezone.utc)
    assert rfc2822(moment) == "Thu, 30 Jul 2015 20:00:00 +0000"
    assert iso8601(moment) == "2015-07-30T20:00:00Z"


def test_stats_names_endpoints_by_pattern():
    assert display_name(r"/2010-04-01/Accounts/(?P<Sid>[^/]+)\.json") == "/2010-04-01/Accounts/{Sid}.json"


def test_list_paging_has_no_extra_top_level_keys(sandbox, parent_client):
    for index in range(3):
        parent_client.api.v2010.accounts.create(friendly_name=f"paging {index}")
    response, data = raw_request(sandbox, "GET", "/2010-04-01/Accounts.json?PageSize=2",
                                 auth=(sandbox.parent_sid, sandbox.parent_token))
    body = json.loads(data)
    assert set(body) == {"page", "page_size", "first_page_uri", "next_page_uri", "previous_page_uri",
                         "start", "end", "uri", "accounts"}
    assert (body["start"], body["end"], len(body["accounts"])) == (0, 1, 2)
    assert body["next_page_uri"].startswith("/2010-04-01/Accounts.json?PageSize=2&Page=1&PageToken=")


def test_client_pages_through_every_record(sandbox, parent_client):
    for index in range(7):
        parent_client.api.v2010.accounts.create(friendly_name=f"many {index}")
    names = [a.friendly_name for a in parent_client.api.v2010.accounts.stream(page_size=3)]
    assert len(names) == 8  # the parent and seven subaccounts, each once
    assert len(set(names)) == 8
