"""Months as the first day of the month, and parsing a month a person typed or put in a URL."""

from __future__ import annotations

from datetime import date

from owlie_portal.errors import DomainError

HISTORY_MONTHS = 13  # the backfill: this many full months before the current one


def month_of(day: date) -> date:
    return day.replace(day=1)


def month_add(month: date, months: int) -> date:
    index = month.year * 12 + month.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def month_parse(text: str, *, today: date) -> date:
    """'2026-10' → 2026-10-01; a clear DomainError for anything else or a month still to come."""
    try:
        year, month = (int(part) for part in text.strip().split("-"))
        parsed = date(year, month, 1)
    except (ValueError, TypeError):
        raise DomainError(f"{text!r} is not a month; write it as YYYY-MM, e.g. {today:%Y-%m}.") from None
    if parsed > month_of(today):
        raise DomainError(f"{parsed:%B %Y} is in the future; Twilio has no usage for it yet.")
    return parsed


def months_between(first: date, last: date) -> list[date]:
    out, cursor = [], month_of(first)
    while cursor <= last:
        out.append(cursor)
        cursor = month_add(cursor, 1)
    return out
