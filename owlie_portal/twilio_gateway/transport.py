"""The HTTP underneath the official twilio client: its `HttpClient` interface over urllib3's connection pools.

twilio-python takes any `HttpClient` (its `http_client=` argument); its default wraps requests, which
re-prepares, re-merges and re-logs every request: about 1.2 ms of CPU a call more than urllib3 alone (of some
3.4 ms for a page of usage records), and the workers' CPU is what bounds a bulk action or a usage sync.
urllib3 is what requests itself sends with, so the wire stays the same: Basic auth, form bodies (JSON where the
SDK asks for it), gzip answers, proxies and CA bundle from the environment by requests' rules
(HTTPS_PROXY/HTTP_PROXY/NO_PROXY, REQUESTS_CA_BUNDLE/CURL_CA_BUNDLE, else certifi), read once per host.

Failures come out as three exceptions that say what the caller needs to know, whatever the library said:
`NotSent` (refused, unknown host, connect timeout, proxy unreachable: safe to send again), `NoAnswer` (sent,
no answer in time) and `AnswerLost` (sent, the connection dropped or the answer was cut off).
"""

from __future__ import annotations

import json
import logging
import os
import threading
from urllib.parse import urlencode, urlsplit
from urllib.request import getproxies, proxy_bypass

import certifi
import urllib3
from twilio.http import HttpClient
from twilio.http.response import Response
from urllib3.exceptions import ConnectTimeoutError, HTTPError, ProxyError, ReadTimeoutError

logger = logging.getLogger(__name__)
JSON_TYPES = ("application/json", "application/scim+json")  # the SDK's JSON APIs; everything else is a form
POOL_SIZE = 64  # connections kept per host: one per thread of the busiest pool (worker threads, sync threads)


class TransportError(Exception):
    """The request failed below HTTP: no status, no body."""


class NotSent(TransportError):
    """Twilio never received the request."""


class NoAnswer(TransportError):
    """The request went out and no answer came in time: it may have been applied."""


class AnswerLost(TransportError):
    """The request went out and the connection dropped before the whole answer arrived."""


def _encode(values) -> str:
    # As requests does: a list is a repeated field, None is left out.
    pairs = []
    for key, value in (values.items() if isinstance(values, dict) else values):
        for item in (value if isinstance(value, (list, tuple)) else [value]):
            if item is not None:
                pairs.append((key, item))
    return urlencode(pairs)


class UrllibHttpClient(HttpClient):
    """A thread-safe `HttpClient`: one pool per proxy, shared by every thread of the process."""

    def __init__(self, *, timeout: float | None = None):
        super().__init__(logger, is_async=False, timeout=timeout)
        self._lock = threading.Lock()
        self._routes: dict[tuple[str, str], urllib3.PoolManager] = {}
        self._managers: dict[str | None, urllib3.PoolManager] = {}
        self._headers = urllib3.make_headers(keep_alive=True, accept_encoding=True)

    def request(self, method, url, params=None, data=None, headers=None, auth=None, timeout=None,
                allow_redirects=False) -> Response:
        timeout = self.timeout if timeout is None else timeout
        if timeout is not None and timeout <= 0:
            raise ValueError(timeout)
        if params:
            url += ("&" if "?" in url else "?") + _encode(params)
        send_headers = dict(self._headers)
        send_headers.update(headers or {})
        body = self._body(data, send_headers)
        if auth is not None:
            send_headers.update(urllib3.make_headers(basic_auth=f"{auth[0]}:{auth[1]}"))
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug("twilio request: %s %s", method, url.split("?", 1)[0])
        answer = self._send(method.upper(), url, body, send_headers, timeout, allow_redirects)
        charset = _charset(answer.headers.get("Content-Type", ""))
        return Response(answer.status, answer.data.decode(charset or "utf-8", errors="replace"), answer.headers)

    @staticmethod
    def _body(data, headers: dict) -> str | None:
        if data is None or (not data and headers.get("Content-Type") not in JSON_TYPES):
            return None
        if headers.get("Content-Type") in JSON_TYPES:
            return json.dumps(data)
        headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        return _encode(data)

    def _send(self, method: str, url: str, body, headers: dict, timeout, redirects: bool):
        try:
            return self._manager(url).request(
                method, url, body=body, headers=headers, redirect=redirects, retries=False,
                timeout=urllib3.Timeout(connect=timeout, read=timeout))
        except (ConnectTimeoutError, ProxyError) as exc:  # also refused and unknown host (NewConnectionError)
            raise NotSent(str(exc)) from exc
        except ReadTimeoutError as exc:
            raise NoAnswer(str(exc)) from exc
        except HTTPError as exc:  # ProtocolError (reset, IncompleteRead), SSLError, DecodeError…
            raise AnswerLost(f"{type(exc).__name__}: {exc}") from exc

    def _manager(self, url: str) -> urllib3.PoolManager:
        parts = urlsplit(url)
        route = (parts.scheme, parts.netloc)
        manager = self._routes.get(route)
        if manager is None:
            with self._lock:
                proxy = _proxy_for(parts.scheme, parts.hostname or "")
                if proxy not in self._managers:
                    self._managers[proxy] = _pool_manager(proxy)
                manager = self._routes[route] = self._managers[proxy]
        return manager


def _charset(content_type: str) -> str | None:
    for part in content_type.split(";")[1:]:
        name, _, value = part.strip().partition("=")
        if name.lower() == "charset":
            return value.strip('"') or None
    return None


def _proxy_for(scheme: str, host: str) -> str | None:
    """The proxy the environment asks for this host (requests' rules: NO_PROXY wins), read when first needed."""
    proxies = getproxies()
    proxy = proxies.get(scheme) or proxies.get("all")
    if not proxy or proxy_bypass(host):
        return None
    return proxy


def _pool_manager(proxy: str | None) -> urllib3.PoolManager:
    ca_bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or certifi.where()
    options = {"maxsize": POOL_SIZE, "block": False, "ca_certs": ca_bundle, "cert_reqs": "CERT_REQUIRED"}
    if proxy:
        return urllib3.ProxyManager(proxy, **options)
    return urllib3.PoolManager(**options)
