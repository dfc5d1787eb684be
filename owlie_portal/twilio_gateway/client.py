"""Clients for the parent account and for a subaccount: real Twilio, or the sandbox when
TWILIO_BASE_URL is set. Chosen from settings alone; callers never see the difference.

Every request goes through `PortalHttpClient` (the SDK's HTTP interface over urllib3, transport.py): it
points Twilio's hosts at the sandbox when asked (docs/twilio-behaviour.md §9 — TWILIO_EDGE/TWILIO_REGION must
stay unset), always passes a timeout, holds a slot of the concurrency budget while in flight, and retries
20429 answers with exponential backoff and jitter (twilio-python has no 429 retry of its own; a 429 was
never processed, so even a create is safe).
"""

from __future__ import annotations

import os
import random
import threading
import time
from urllib.parse import urlsplit, urlunsplit

# The SDK imports each domain on first use (`client.api`, `client.messaging`). Importing them here puts
# that cost (about 0.3 s of CPU here) in process start-up instead of in the first Operation a worker
# runs, where it held the import lock and stalled every task thread (seen in a bulk's profile).
import twilio.rest.api.v2010  # noqa: F401
import twilio.rest.messaging.v1  # noqa: F401
from django.conf import settings
from twilio.rest import Client

from .budget import current_budget
from .errors import TwilioConfigurationError
from .records import SubaccountCredentials
from .transport import UrllibHttpClient

TWILIO_HOSTS = ("api.twilio.com", "messaging.twilio.com")
RATE_LIMIT_RETRIES = 6
BACKOFF_BASE_S = 0.05
BACKOFF_CAP_S = 2.0


def backoff_delay(attempt: int) -> float:
    """Full-jitter exponential backoff (AWS architecture blog's variant)."""
    return random.uniform(0, min(BACKOFF_CAP_S, BACKOFF_BASE_S * 2**attempt))


class PortalHttpClient(UrllibHttpClient):
    def __init__(self, *, base_url: str, timeout: float):
        super().__init__(timeout=timeout)
        self._base = urlsplit(base_url) if base_url else None

    def _rewrite(self, url: str) -> str:
        parts = urlsplit(url)
        if self._base is None or parts.hostname not in TWILIO_HOSTS:
            return url
        return urlunsplit((self._base.scheme, self._base.netloc, parts.path, parts.query, parts.fragment))

    def request(self, method, url, params=None, data=None, headers=None, auth=None, timeout=None,
                allow_redirects=False):
        url = self._rewrite(url)
        budget = current_budget()
        for attempt in range(RATE_LIMIT_RETRIES + 1):
            with budget.slot():
                response = super().request(method, url, params=params, data=data, headers=headers,
                                           auth=auth, timeout=timeout, allow_redirects=allow_redirects)
            if response.status_code != 429 or attempt == RATE_LIMIT_RETRIES:
                return response
            time.sleep(backoff_delay(attempt))  # outside the slot: let others use it meanwhile
        return response


_shared: dict = {}
_lock = threading.Lock()


def _http_client() -> PortalHttpClient:
    # One per process (its pools are thread-safe and a fork must not share the parent's sockets), made again
    # when the settings it was made from change (tests point it at a new sandbox).
    key = (os.getpid(), settings.TWILIO_BASE_URL, settings.TWILIO_HTTP_TIMEOUT)
    cached = _shared.get("client")
    if cached is None or cached[0] != key:
        with _lock:
            cached = _shared.get("client")
            if cached is None or cached[0] != key:
                cached = _shared["client"] = (key, PortalHttpClient(base_url=key[1], timeout=key[2]))
    return cached[1]


def parent_client() -> Client:
    """A client authenticated as the parent account."""
    return Client(settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN, http_client=_http_client())


def subaccount_client(credentials: SubaccountCredentials) -> Client:
    """A client authenticated with the subaccount's own credentials (needed for messaging.twilio.com)."""
    if not credentials.account_sid or not credentials.auth_token:
        raise TwilioConfigurationError(f"Subaccount {credentials.account_sid or '(no SID)'} has no auth token.")
    return Client(credentials.account_sid, credentials.auth_token, http_client=_http_client())


def subaccount_key_client(credentials: SubaccountCredentials) -> Client:
    """A client acting as the subaccount through its API key (Client(key_sid, key_secret, account_sid)),
    falling back to the subaccount's auth token when no key is stored. Never the parent's credentials."""
    if credentials.api_key_sid and credentials.api_key_secret and credentials.account_sid:
        return Client(credentials.api_key_sid, credentials.api_key_secret, credentials.account_sid,
                      http_client=_http_client())
    return subaccount_client(credentials)
