"""Usage Records (docs/twilio-behaviour.md §10): a subaccount's own with its credentials, the parent's own
with `IncludeSubaccounts=false` so nothing is counted twice.

Every page of an answer is read before anything is returned: a 20429 storm or a page cut off mid-answer
raises the gateway's error and the caller writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from .calls import twilio_call
from .client import parent_client, subaccount_client
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


def _decimal(value) -> Decimal:
    # The SDK turns a JSON number into Decimal(float); go through the shortest repr to keep 0.0079 exact.
    if value in (None, ""):
        return Decimal("0")
    if isinstance(value, Decimal):
        value = float(value)
    return Decimal(str(value))


def _as_of(value) -> datetime | None:
    if not value:
        return None
    if isinstance(value, datetime):
        return value
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        return None


def _row(instance) -> UsageRecordRow:
    return UsageRecordRow(
        account_sid=instance.account_sid or "", category=instance.category or "",
        start_date=instance.start_date, end_date=instance.end_date,
        count=_decimal(instance.count), count_unit=instance.count_unit or "",
        usage=_decimal(instance.usage), usage_unit=instance.usage_unit or "",
        price=_decimal(instance.price), price_unit=(instance.price_unit or "").lower(), as_of=_as_of(instance.as_of),
    )


def _list(records, variant: str, **filters) -> list[UsageRecordRow]:
    if variant not in VARIANTS:
        raise ValueError(f"unknown Usage Records variant {variant!r}")
    resource = getattr(records, variant)
    found = twilio_call(lambda: resource.list(**filters), idempotent=True, what=f"read {variant} usage records")
    return [_row(r) for r in found]


def _filters(start: date, end: date, category: str, page_size: int, include_subaccounts: bool | None) -> dict:
    filters = {"start_date": start, "end_date": end, "page_size": page_size}
    if category:
        filters["category"] = category
    if include_subaccounts is not None:
        filters["include_subaccounts"] = include_subaccounts
    return filters


def subaccount_usage_records(*, credentials: SubaccountCredentials, variant: str, start: date, end: date,
                             category: str = "", page_size: int = PAGE_SIZE) -> list[UsageRecordRow]:
    """A subaccount's own Usage Records, read with its own credentials."""
    client = subaccount_client(credentials)
    records = client.api.v2010.accounts(credentials.account_sid).usage.records
    return _list(records, variant, **_filters(start, end, category, page_size, None))


def parent_usage_records(*, variant: str, start: date, end: date, include_subaccounts: bool = False,
                         category: str = "", page_size: int = PAGE_SIZE) -> list[UsageRecordRow]:
    """The parent's Usage Records: its own (default) or with every subaccount's added (for reconciling)."""
    client = parent_client()
    records = client.api.v2010.accounts(client.username).usage.records
    return _list(records, variant, **_filters(start, end, category, page_size, include_subaccounts))
