"""Usage Records (docs/twilio-behaviour.md §10): a subaccount's own with its credentials, the parent's own
with `IncludeSubaccounts=false` so nothing is counted twice.

Every page of an answer is read before anything is returned: a 20429 storm or a page cut off mid-answer
raises the gateway's error and the caller writes nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache

from twilio.base.exceptions import TwilioRestException

from .calls import twilio_call
from .client import parent_client, subaccount_client
from .errors import TwilioTransientError
from .records import SubaccountCredentials

VARIANTS = ("daily", "monthly")
PAGE_SIZE = 1000  # Twilio's maximum (docs/twilio-behaviour.md §2): one request for 13 months of categories


@dataclass(frozen=True)
class UsageRecordRow:
    """One Usage Record as Twilio estimates it (the invoice is authoritative). Money is a Decimal."""

    account_sid: str
    category: str
    start_date: date
    end_date: date
    count: Decimal
    count_unit: str
    usage: Decimal
    usage_unit: str
    price: Decimal
    price_unit: str
    as_of: datetime | None


API_ORIGIN = "https://api.twilio.com"  # rewritten to the sandbox by the HTTP client when configured


def _decimal(value) -> Decimal:
    # Prices arrive as JSON numbers (parsed straight to Decimal, never float) or strings; counts as strings.
    if type(value) is Decimal:
        return value
    return Decimal(str(value)) if value not in (None, "") else Decimal("0")


# A page repeats a handful of dates and one as_of over its records (13 months × 5 categories, 2,000
# pages in a 1,000-tenant sync): each distinct text is parsed once.
_day = lru_cache(maxsize=4096)(date.fromisoformat)


def _as_of(value) -> datetime | None:
    return _stamp(str(value)) if value else None


@lru_cache(maxsize=256)
def _stamp(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def _row(item: dict) -> UsageRecordRow:
    # Positional, in the dataclass's field order: keywords cost a fifth of the row (130,000 per sync).
    get = item.get
    return UsageRecordRow(
        get("account_sid") or "", get("category") or "", _day(item["start_date"]), _day(item["end_date"]),
        _decimal(get("count")), get("count_unit") or "", _decimal(get("usage")), get("usage_unit") or "",
        _decimal(get("price")), (get("price_unit") or "").lower(), _as_of(get("as_of")),
    )


def _page(client, uri: str, params: dict | None) -> dict:
    """One page of the list, read as JSON with Decimal numbers. The SDK's list() would turn each price
    into a float on the way; this is the same request through the same client (budget, 20429 retries)."""
    response = client.request("GET", uri, params=params)
    if response.status_code >= 400:
        try:
            body = json.loads(response.text)
        except ValueError:
            body = {}
        body = body if isinstance(body, dict) else {}
        raise TwilioRestException(response.status_code, uri, msg=body.get("message") or "Usage Records request failed",
                                  code=body.get("code"))
    try:
        return json.loads(response.text, parse_float=Decimal)
    except ValueError:
        raise TwilioTransientError("The answer from Twilio was cut off while reading usage records.") from None


def _list(client, account_sid: str, variant: str, filters: dict) -> list[UsageRecordRow]:
    if variant not in VARIANTS:
        raise ValueError(f"unknown Usage Records variant {variant!r}")
    uri = f"{API_ORIGIN}/2010-04-01/Accounts/{account_sid}/Usage/Records/{variant.capitalize()}.json"
    params, rows = filters, []
    while uri:  # every page before returning: an error on any page means nothing is returned
        page = twilio_call(lambda: _page(client, uri, params), idempotent=True, what=f"read {variant} usage records")
        rows += [_row(item) for item in page.get("usage_records") or []]
        next_page = page.get("next_page_uri")
        uri, params = (API_ORIGIN + next_page if next_page else None), None
    return rows


def _filters(start: date, end: date, category: str, page_size: int, include_subaccounts: bool | None) -> dict:
    filters = {"StartDate": start.isoformat(), "EndDate": end.isoformat(), "PageSize": page_size}
    if category:
        filters["Category"] = category
    if include_subaccounts is not None:
        filters["IncludeSubaccounts"] = "true" if include_subaccounts else "false"
    return filters


def subaccount_usage_records(*, credentials: SubaccountCredentials, variant: str, start: date, end: date,
                             category: str = "", page_size: int = PAGE_SIZE) -> list[UsageRecordRow]:
    """A subaccount's own Usage Records, read with its own credentials."""
    client = subaccount_client(credentials)
    return _list(client, credentials.account_sid, variant, _filters(start, end, category, page_size, None))


def suspended_subaccount_usage_records(*, account_sid: str, variant: str, start: date, end: date,
                                       category: str = "", page_size: int = PAGE_SIZE) -> list[UsageRecordRow]:
    """A suspended subaccount's records read by the parent at the subaccount's URL: whether Twilio lets a
    suspended account's own credentials read is unconfirmed (docs/twilio-behaviour.md §4, 20003), and its
    usage before the suspension is still billed. Only after its own credentials were refused."""
    client = parent_client()
    return _list(client, account_sid, variant, _filters(start, end, category, page_size, None))


def parent_usage_records(*, variant: str, start: date, end: date, include_subaccounts: bool = False,
                         category: str = "", page_size: int = PAGE_SIZE) -> list[UsageRecordRow]:
    """The parent's Usage Records: its own (default) or with every subaccount's added (for reconciling)."""
    client = parent_client()
    return _list(client, client.username, variant, _filters(start, end, category, page_size, include_subaccounts))
