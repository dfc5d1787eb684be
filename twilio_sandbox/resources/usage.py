"""Usage Records (base list + Daily, Monthly, Yearly, Today, Yesterday, ThisMonth,
LastMonth, AllTime) and the control endpoint ``POST /_sandbox/usage/seed``.

Records are computed on each request from two sources:
- the sandbox's own activity: outbound messages that got a price (count =
  messages, usage = segments, 0.0079 USD a segment), inbound messages, and the
  numbers an account holds now, one number-day per day since it was bought
  (1.15 USD a number-month); released numbers leave no history;
- seeded history: monthly rows per account and category, spread evenly over
  the days of their month when a smaller period is asked for.

Categories: sms, sms-outbound, sms-inbound, phonenumbers, totalprice. A
parent's records include its subaccounts unless IncludeSubaccounts=false
(docs/twilio-behaviour.md §10). StartDate/EndDate take YYYY-MM-DD or offsets such as -30days.

Seed (form or JSON): account_sid (default: the parent), months (default 13),
seed (default 0) -> deterministic monthly rows ending last month; seeding the
same account again replaces its rows. Answers {"account_sid", "rows"}.
"""

import calendar
import random
import re
from bisect import bisect_left, bisect_right
from datetime import date, timedelta
from functools import lru_cache

from ..errors import ApiError
from ..routing import ACCOUNT
from ..wire import Response, now, page_2010
from .control import values
from .numbering import API

RECORDS = ACCOUNT + r"/Usage/Records(?:/(?P<Variant>Daily|Monthly|Yearly|Today|Yesterday|ThisMonth|LastMonth|AllTime))?\.json"
SMS_PRICE = 0.0079
NUMBER_MONTH_PRICE = 1.15
# category -> (description, count_unit, usage_unit)
CATEGORIES = {
    "sms": ("SMS Messages", "messages", "segments"),
    "sms-inbound": ("Inbound SMS Messages", "messages", "segments"),
    "sms-outbound": ("Outbound SMS Messages", "messages", "segments"),
    "phonenumbers": ("Phone Numbers", "phone-numbers", "phone-numbers"),
    "totalprice": ("Total Price", "", "usd"),
}
VARIANT_PATHS = {"AllTime": "all_time", "Daily": "daily", "LastMonth": "last_month", "Monthly": "monthly",
                 "ThisMonth": "this_month", "Today": "today", "Yearly": "yearly", "Yesterday": "yesterday"}


def register(router, sandbox) -> None:
    store = sandbox.store
    router.add("GET", RECORDS, lambda r: list_records(store, r))
    router.add("POST", r"/_sandbox/usage/seed", lambda r: seed(store, r), auth=False)


# -- dates ----------------------------------------------------------------------

def parse_day(text: str | None, today: date) -> date | None:
    """YYYY-MM-DD, or an offset from today such as -30days / +2days."""
    if not text:
        return None
    offset = re.fullmatch(r"([+-]\d+)days?", text.strip())
    if offset:
        return today + timedelta(days=int(offset.group(1)))
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ApiError(400, 20001, f"Invalid date: {text}") from None


def month_start(day: date) -> date:
    return day.replace(day=1)


def month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def fixed_range(variant: str | None, today: date) -> tuple[date, date] | None:
    """The period of the variants whose dates Twilio fixes itself."""
    if variant == "Today":
        return today, today
    if variant == "Yesterday":
        yesterday = today - timedelta(days=1)
        return yesterday, yesterday
    if variant == "ThisMonth":
        return month_start(today), today
    if variant == "LastMonth":
        last = month_start(today) - timedelta(days=1)
        return month_start(last), last
    return None


def periods(variant: str | None, start: date, end: date) -> list[tuple[date, date]]:
    """Split [start, end] into the variant's periods (one period for the others)."""
    if variant == "Daily":
        return [(start + timedelta(days=i), start + timedelta(days=i)) for i in range((end - start).days + 1)]
    if variant in ("Monthly", "Yearly"):
        out, cursor = [], start
        while cursor <= end:
            stop = month_end(cursor) if variant == "Monthly" else date(cursor.year, 12, 31)
            out.append((cursor, min(stop, end)))
            cursor = min(stop, end) + timedelta(days=1)
        return out
    return [(start, end)]


# -- totals -------------------------------------------------------------------------

def account_scope(store, account_sid: str, include_subaccounts: bool) -> set[str]:
    account = store.accounts[account_sid]
    if account.is_parent and include_subaccounts:
        return {a.sid for a in store.accounts.values() if a.owner_account_sid == account_sid}
    return {account_sid}


def daily_activity(store, accounts: set[str], today: date) -> dict:
    """{day: {category: [count, usage, price]}} from messages and held numbers."""
    days: dict = {}

    def add(day, category, count, usage, price):
        row = days.setdefault(day, {}).setdefault(category, [0, 0, 0.0])
        row[0] += count
        row[1] += usage
        row[2] += price

    for m in store.messages.values():
        if m.account_sid not in accounts or m.price is None or m.date_sent is None:
            continue
        category = "sms-inbound" if m.direction == "inbound" else "sms-outbound"
        add(m.date_sent.date(), category, 1, int(m.num_segments or 1), -float(m.price))
    for n in store.numbers.values():
        if n.account_sid not in accounts:
            continue
        day = n.date_created.date()
        while day <= today:
            add(day, "phonenumbers", 1, 1, NUMBER_MONTH_PRICE / calendar.monthrange(day.year, day.month)[1])
            day += timedelta(days=1)
    return days


def totals(store, activity: dict, accounts: set[str], start: date, end: date, *, days: list | None = None) -> dict:
    """{category: [count, usage, price]} for the inclusive period. ``days`` is ``sorted(activity)``,
    passed by a caller that asks for many periods of the same activity."""
    out = {name: [0, 0, 0.0] for name in CATEGORIES}
    days = sorted(activity) if days is None else days
    # Only the days that had activity, in date order as before (a month of a seeded account has none).
    for day in days[bisect_left(days, start):bisect_right(days, end)]:
        for category, (count, usage, price) in activity[day].items():
            if category == "phonenumbers":
                _hold(out, count, price)
            else:
                _add(out[category], count, usage, price)
    _add_seed(store, out, accounts, start, end)
    _add(out["sms"], *out["sms-outbound"])
    _add(out["sms"], *out["sms-inbound"])
    total = sum(out[c][2] for c in ("sms-outbound", "sms-inbound", "phonenumbers"))
    out["totalprice"] = [total, total, total]
    return out


def _hold(out: dict, held: int, price: float) -> None:
    """Numbers count the most held on one day of the period, not number-days."""
    row = out["phonenumbers"]
    row[0] = row[1] = max(row[0], held)
    row[2] += price


def _add(row: list, count, usage, price) -> None:
    row[0] += count
    row[1] += usage
    row[2] += price


# [the usage_seed list it was built from, {account_sid: ([(first, last, row)], {month: [position, …]})}]
_SEED_INDEX: list = [None, {}]


def _seed_index(store) -> dict:
    """Seeded rows by account with their dates parsed, and their positions by each month they cover;
    rebuilt whenever ``usage_seed`` is replaced (seeding, reset and snapshots assign a new list), so a
    period costs the rows of its own months, not every row of the account (a daily answer asks for 61)."""
    if _SEED_INDEX[0] is not store.usage_seed:
        index: dict = {}
        for row in store.usage_seed:
            first, last = date.fromisoformat(row["start_date"]), date.fromisoformat(row["end_date"])
            entries, by_month = index.setdefault(row["account_sid"], ([], {}))
            for month in _months(first, last):
                by_month.setdefault(month, []).append(len(entries))
            entries.append((first, last, row))
        _SEED_INDEX[:] = [store.usage_seed, index]
    return _SEED_INDEX[1]


def _months(first: date, last: date) -> list[date]:
    out, month = [], month_start(first)
    while month <= last:
        out.append(month)
        month = month_start(month + timedelta(days=31))
    return out


def _seed_entries(index: dict, account_sid: str, start: date, end: date) -> list:
    """The account's seeded rows that may overlap [start, end], in seeding order."""
    entries, by_month = index.get(account_sid, ((), {}))
    month = start.replace(day=1)
    if start == end or month == end.replace(day=1):  # a day or a month: one list, already in order
        return [entries[i] for i in by_month.get(month, ())]
    positions = sorted({i for month in _months(start, end) for i in by_month.get(month, ())})
    return [entries[i] for i in positions]


def seed_rows_of(store, accounts: set[str]) -> list[dict]:
    index = _seed_index(store)
    return [row for sid in accounts for _, _, row in index.get(sid, ((), {}))[0]]


def _add_seed(store, out: dict, accounts: set[str], start: date, end: date) -> None:
    index = _seed_index(store)
    for sid in accounts:
        for first, last, row in _seed_entries(index, sid, start, end):
            _add_seed_row(out, first, last, row, start, end)


def _add_seed_row(out: dict, first: date, last: date, row: dict, start: date, end: date) -> None:
    category = row["category"]
    if last < start or first > end or category not in out:
        return
    overlap = (min(last, end) - max(first, start)).days + 1
    if overlap <= 0:
        return
    share = overlap / ((last - first).days + 1)
    if category == "phonenumbers":
        _hold(out, row["count"], row["price"] * share)
    else:
        _add(out[category], round(row["count"] * share), round(row["usage"] * share), row["price"] * share)


# -- the list -----------------------------------------------------------------------

def list_records(store, request) -> Response:
    account_sid = request.params["AccountSid"]
    variant = request.params.get("Variant")
    category = request.arg("Category")
    if category is not None and category not in CATEGORIES:
        category = "__none__"  # unknown categories simply have no records
    include = (request.arg("IncludeSubaccounts") or "true").lower() != "false"
    today = now().date()
    as_of = now().strftime("%Y-%m-%dT%H:%M:%S+00:00")
    with store.lock:
        accounts = account_scope(store, account_sid, include)
        start, end = _range(store, request, variant, accounts, today)
        activity = daily_activity(store, accounts, today)
        days = sorted(activity)
        wanted = [name for name in CATEGORIES if category is None or name == category]
        record = _recorder(account_sid, variant, as_of)
        items = []
        for first, last in periods(variant, start, end):
            sums = totals(store, activity, accounts, first, last, days=days)
            dates = (first.isoformat(), last.isoformat())
            items += [record(name, sums[name], dates) for name in wanted]
    path = f"{API}/Accounts/{account_sid}/Usage/Records" + (f"/{variant}" if variant else "") + ".json"
    return Response(200, page_2010(request, items, "usage_records", uri_path=path))


def _range(store, request, variant, accounts: set[str], today: date) -> tuple[date, date]:
    fixed = fixed_range(variant, today)
    if fixed is not None:
        return fixed
    start = parse_day(request.arg("StartDate"), today)
    end = parse_day(request.arg("EndDate"), today) or today
    if start is None:
        if variant == "Daily":
            start = end - timedelta(days=30)
        else:
            start = first_activity(store, accounts, today)
    if variant == "AllTime":
        start = min(start, first_activity(store, accounts, today))
    if start > end:
        raise ApiError(400, 20001, "StartDate must be on or before EndDate")
    return start, end


def first_activity(store, accounts: set[str], today: date) -> date:
    days = [store.accounts[sid].date_created.date() for sid in accounts]
    days += [date.fromisoformat(r["start_date"]) for r in seed_rows_of(store, accounts)]
    return min(days + [today])


def _recorder(account_sid: str, variant, as_of: str):
    """A function making one record of a category for a period ((start, end) as ISO dates): everything
    that depends on the account and the variant only is worked out once per answer."""
    base = f"{API}/Accounts/{account_sid}/Usage/Records"
    uri = f"{base}{f'/{variant}' if variant else ''}.json?Category="

    def record(category: str, sums: list, dates: tuple[str, str]) -> dict:
        description, count_unit, usage_unit = CATEGORIES[category]
        count, usage, price = sums
        money = category == "totalprice"
        return {
            "account_sid": account_sid, "api_version": "2010-04-01",
            "as_of": as_of, "category": category,
            "count": f"{count:.2f}" if money else str(int(count)), "count_unit": count_unit,
            "description": description, "end_date": dates[1], "price": round(price, 4),
            "price_unit": "usd", "start_date": dates[0],
            "subresource_uris": dict(_subresource_uris(base, category)),
            "uri": f"{uri}{category}&StartDate={dates[0]}&EndDate={dates[1]}",
            "usage": f"{usage:.2f}" if money else str(int(usage)), "usage_unit": usage_unit,
        }
    return record


@lru_cache(maxsize=4096)
def _subresource_uris(base: str, category: str) -> dict:
    # The same 8 links on every period of an account's category (131,000 records in a 1,000-tenant sync).
    return {key: f"{base}/{name}.json?Category={category}" for name, key in VARIANT_PATHS.items()}


# -- seeding ------------------------------------------------------------------------

def seed(store, request) -> Response:
    data = values(request)
    try:
        months = int(data.get("months", 13))
        rng_seed = int(data.get("seed", 0))
    except (TypeError, ValueError):
        raise ApiError(400, 20001, "months and seed must be integers") from None
    with store.lock:
        account_sid = data.get("account_sid") or store.parent_sid
        if account_sid not in store.accounts:
            raise ApiError(404, 20404, f"No account {account_sid}")
        rows = seed_rows(account_sid, months, rng_seed, now().date())
        store.usage_seed = [r for r in store.usage_seed if r["account_sid"] != account_sid] + rows
    return Response(200, {"account_sid": account_sid, "rows": len(rows)})


def seed_rows(account_sid: str, months: int, rng_seed: int, today: date) -> list[dict]:
    """Plausible monthly rows for the ``months`` months before this one, same input -> same rows."""
    rng = random.Random(f"{rng_seed}:{account_sid}")
    rows, cursor = [], month_start(today)
    numbers = rng.randint(1, 8)
    for _ in range(months):
        cursor = month_start(cursor - timedelta(days=1))
        first, last = cursor, month_end(cursor)
        outbound = rng.randint(200, 5000)
        inbound = rng.randint(20, outbound // 4)
        segments_out = int(outbound * rng.uniform(1.0, 1.4))
        numbers = max(1, numbers + rng.choice((-1, 0, 0, 1)))
        for category, count, usage, price in (
            ("sms-outbound", outbound, segments_out, segments_out * SMS_PRICE),
            ("sms-inbound", inbound, inbound, inbound * SMS_PRICE),
            ("phonenumbers", numbers, numbers, numbers * NUMBER_MONTH_PRICE),
        ):
            rows.append({"account_sid": account_sid, "category": category, "start_date": first.isoformat(),
                         "end_date": last.isoformat(), "count": count, "usage": usage, "price": round(price, 4)})
    return rows
