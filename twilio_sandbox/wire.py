"""Twilio wire format: requests, responses, SIDs, dates and the two paging shapes."""

import json
import secrets
from json.encoder import encode_basestring_ascii
from functools import lru_cache
from dataclasses import dataclass, field
from datetime import datetime, timezone
from urllib.parse import urlencode

from .errors import ApiError

MESSAGING_BASE = "https://messaging.twilio.com"
# docs/twilio-behaviour.md §2: PageSize is documented as 1..1000, default 50. What Twilio does
# above 1000 is UNCONFIRMED; the sandbox clamps (documented in the package).
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000
PAGING_PARAMS = ("Page", "PageSize", "PageToken")
# Bodies are plain JSON trees built by the handlers: no cycles to check for.
_ENCODER = json.JSONEncoder(check_circular=False)


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    form: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes = b""
    principal: object = None
    params: dict[str, str] = field(default_factory=dict)
    # The matched route's display name ("POST /v1/Services/{ServiceSid}/PhoneNumbers"), for targeted faults.
    endpoint: str = ""

    def arg(self, name: str, default=None):
        values = self.args(name)
        return values[0] if values else default

    def args(self, name: str) -> list[str]:
        if name in self.form:
            return self.form[name]
        return self.query.get(name, [])

    def has(self, name: str) -> bool:
        return name in self.form or name in self.query


@dataclass
class Response:
    status: int
    body: dict | bytes | None  # bytes: JSON already encoded (page_json)
    headers: dict[str, str] = field(default_factory=dict)


def to_json(value) -> str:
    """JSON text exactly as the server writes a body (ASCII only, ", " and ": " separators)."""
    return _ENCODER.encode(value)


def json_value(value) -> str:
    """``to_json(value)``; the strings, nulls and booleans that make up most of a record without the
    encoder's call (a records page writes tens of thousands of them)."""
    if value.__class__ is str:
        return encode_basestring_ascii(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    return to_json(value)


def json_object(value: dict) -> str:
    """``to_json`` of a small flat dict (a number's capabilities) through ``json_value``."""
    if not all(key.__class__ is str for key in value):
        return to_json(value)  # the encoder turns other keys into strings its own way
    return "{" + ", ".join([f"{encode_basestring_ascii(key)}: {json_value(item)}" for key, item in value.items()]) + "}"


def page_json(page: dict, key: str) -> bytes:
    """A page from ``page_2010`` whose items were rendered as sequences of pieces of JSON text (matching
    ``to_json``), encoded as the server would encode the page of dicts: the list key comes last.

    One join for the whole body: a text per item (a usage record is 1.4 KB) made 160 KB of short-lived
    large blocks per answer, which a server thread's allocator gave back to the OS and faulted in again
    on the next request (38 page faults a request, measured)."""
    head = to_json({**page, key: []})
    pieces = [head[:-2]]  # up to and with the list's "["
    for i, item in enumerate(page[key]):
        if i:
            pieces.append(", ")
        pieces.extend(item)
    pieces.append("]}")
    return "".join(pieces).encode("ascii")


def new_sid(prefix: str) -> str:
    return prefix + secrets.token_hex(16)


def new_token() -> str:
    return secrets.token_hex(16)


def now() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)


def rfc2822(dt: datetime | None) -> str | None:
    if dt is None:
        return None
    return _rfc2822(dt)


@lru_cache(maxsize=65536)
def _rfc2822(dt: datetime) -> str:
    # Cached: a 1000-record page formats 2000 dates, mostly the same few seconds.
    # Formatted by hand: email.utils would localise day/month names only if the
    # locale changed, but strftime's %a/%b do depend on the locale.
    days = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
    months = ("Jan", "Feb", "Mar", "Apr", "May", "Jun",
              "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
    dt = dt.astimezone(timezone.utc)
    return (f"{days[dt.weekday()]}, {dt.day:02d} {months[dt.month - 1]} {dt.year} "
            f"{dt.hour:02d}:{dt.minute:02d}:{dt.second:02d} +0000")


def iso8601(dt: datetime | None) -> str | None:
    if dt is None:
        return None
    # twilio-python parses v1 dates only in exactly this shape (docs/twilio-behaviour.md §3).
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def form_bool(value, default: bool | None = None) -> bool | None:
    if value is None or value == "":
        return default
    return str(value).strip().lower() in ("true", "1", "yes", "on")


def require(form_or_request, name: str, code: int, message: str) -> str:
    """Return a required parameter or raise a 400 with Twilio's code."""
    if isinstance(form_or_request, Request):
        value = form_or_request.arg(name)
    else:
        values = form_or_request.get(name) or []
        value = values[0] if values else None
    if value is None or value == "":
        raise ApiError(400, code, message)
    return value


def page_window(request: Request) -> tuple[int, int, int]:
    """(page, page_size, offset) from PageSize / Page / PageToken."""
    size = _int_arg(request, "PageSize", DEFAULT_PAGE_SIZE)
    size = min(max(size, 1), MAX_PAGE_SIZE)
    page = max(_int_arg(request, "Page", 0), 0)
    token = request.arg("PageToken")
    if token and token.startswith("PT") and token[2:].isdigit():
        offset = int(token[2:])
    else:
        offset = page * size
    return page, size, offset


def _int_arg(request: Request, name: str, default: int) -> int:
    value = request.arg(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ApiError(400, 20001, f"Invalid {name}: {value}") from None


def _render(chunk: list, render) -> list:
    return [render(item) for item in chunk] if render else list(chunk)


def _filters(request: Request) -> str:
    """The request's query without its paging parameters, URL-encoded once for every link of the page."""
    pairs = []
    for name, values in request.query.items():
        if name not in PAGING_PARAMS:
            pairs.extend((name, v) for v in values)
    return urlencode(pairs)


def _page_url(path: str, filters: str, size: int, page: int, offset: int | None) -> str:
    paging = f"PageSize={size}&Page={page}" + (f"&PageToken=PT{offset}" if offset else "")
    return f"{path}?{filters}&{paging}" if filters else f"{path}?{paging}"


def page_2010(request: Request, items: list, key: str, *, uri_path: str, render=None) -> dict:
    """A 2010-API list page: exactly the paging keys plus one list key (docs/twilio-behaviour.md §2).

    ``render`` turns each item of the page into JSON, so callers can pass
    store objects and pay for serialising one page only.
    """
    page, size, offset = page_window(request)
    chunk = _render(items[offset:offset + size], render)
    filters = _filters(request)
    has_next = offset + size < len(items)
    return {
        "page": page,
        "page_size": size,
        "first_page_uri": _page_url(uri_path, filters, size, 0, None),
        "next_page_uri": _page_url(uri_path, filters, size, page + 1, offset + size) if has_next else None,
        "previous_page_uri": (_page_url(uri_path, filters, size, page - 1, max(offset - size, 0))
                              if page > 0 else None),
        "start": offset if chunk else 0,
        "end": offset + len(chunk) - 1 if chunk else 0,
        "uri": _page_url(uri_path, filters, size, page, offset),
        key: chunk,
    }


def page_v1(request: Request, items: list, key: str, *, url_path: str, render=None) -> dict:
    """A v1 list page with ``meta`` and absolute messaging.twilio.com URLs (docs/twilio-behaviour.md §2)."""
    page, size, offset = page_window(request)
    chunk = _render(items[offset:offset + size], render)
    filters = _filters(request)
    base = MESSAGING_BASE + url_path
    has_next = offset + size < len(items)
    meta = {
        "page": page,
        "page_size": size,
        "first_page_url": _page_url(base, filters, size, 0, None),
        "previous_page_url": _page_url(base, filters, size, page - 1, max(offset - size, 0)) if page > 0 else None,
        "next_page_url": _page_url(base, filters, size, page + 1, offset + size) if has_next else None,
        "url": _page_url(base, filters, size, page, offset),
        "key": key,
    }
    return {key: chunk, "meta": meta}
