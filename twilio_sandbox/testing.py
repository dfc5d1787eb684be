"""Test helpers: run a sandbox on a free port and talk to it with the real ``twilio`` client.

The only module of the package that imports ``twilio``; the server itself
never does.
"""

import contextlib
import json
import urllib.request
from urllib.parse import urlencode, urlsplit, urlunsplit

from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from .server import SandboxServer

TWILIO_HOSTS = ("api.twilio.com", "messaging.twilio.com")
DEFAULT_TIMEOUT_S = 10.0


class SandboxHttpClient(TwilioHttpClient):
    """Sends every *.twilio.com request to the sandbox instead (docs/twilio-behaviour.md §9, way 1).

    Rewriting in the http client also catches the absolute ``meta.next_page_url``
    of v1 lists, so the sandbox can keep Twilio's real host names in bodies.
    """

    def __init__(self, base_url: str, *, timeout: float | None = DEFAULT_TIMEOUT_S, **kwargs):
        super().__init__(timeout=timeout, **kwargs)
        self.base_url = base_url.rstrip("/")

    def request(self, method, url, *args, **kwargs):
        return super().request(method, rewrite_url(url, self.base_url), *args, **kwargs)


def rewrite_url(url: str, base_url: str) -> str:
    parts = urlsplit(url)
    if parts.hostname not in TWILIO_HOSTS:
        return url
    base = urlsplit(base_url)
    return urlunsplit((base.scheme, base.netloc, parts.path, parts.query, parts.fragment))


class RunningSandbox:
    """A started ``SandboxServer`` plus helpers to reach it."""

    def __init__(self, server: SandboxServer):
        self.server = server
        self.sandbox = server.sandbox
        self.url = server.url

    @property
    def parent_sid(self) -> str:
        return self.sandbox.parent_sid

    @property
    def parent_token(self) -> str:
        return self.sandbox.parent_token

    @property
    def exchange_log(self) -> list | None:
        return self.sandbox.exchange_log

    def http_client(self, *, timeout: float | None = DEFAULT_TIMEOUT_S) -> SandboxHttpClient:
        return SandboxHttpClient(self.url, timeout=timeout)

    def client(self, sid: str | None = None, token: str | None = None, *, account_sid: str | None = None,
               timeout: float | None = DEFAULT_TIMEOUT_S) -> Client:
        """A real ``twilio.rest.Client`` pointed at the sandbox (parent credentials by default)."""
        return Client(sid or self.parent_sid, token or self.parent_token, account_sid=account_sid,
                      http_client=self.http_client(timeout=timeout))

    def control(self, path: str, method: str = "POST", **form) -> dict:
        """Call the control API (``/_sandbox/<path>``) and return its JSON."""
        data = urlencode(form).encode() if method != "GET" else None
        request = urllib.request.Request(f"{self.url}/_sandbox/{path.lstrip('/')}", data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", "application/x-www-form-urlencoded")
        with urllib.request.urlopen(request, timeout=DEFAULT_TIMEOUT_S) as answer:
            return json.loads(answer.read() or b"null")

    def reset(self) -> None:
        self.sandbox.reset()
        if self.sandbox.exchange_log is not None:
            self.sandbox.exchange_log.clear()


@contextlib.contextmanager
def running_sandbox(*, record_exchanges: bool = False, host: str = "127.0.0.1", port: int = 0,
                    **sandbox_options):
    """Start a ``SandboxServer`` on a free port in a thread; stop it on exit.

    ``sandbox_options`` go to ``Sandbox`` (account_sid, auth_token,
    max_subaccounts). With ``record_exchanges`` every request/response pair is
    appended to ``.exchange_log`` for contract tests.
    """
    server = SandboxServer(host=host, port=port, **sandbox_options)
    if record_exchanges:
        server.sandbox.exchange_log = []
    server.start()
    try:
        yield RunningSandbox(server)
    finally:
        server.stop()
