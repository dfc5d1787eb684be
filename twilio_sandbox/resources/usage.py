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
import math
import random
import re
from bisect import bisect_left, bisect_right
from datetime import date, timedelta
from functools import lru_cache

from ..errors import ApiError
from ..routing import ACCOUNT
from ..wire import Response, now, page_2010, page_json, to_json
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
ONE_DAY = timedelta(days=1)
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
    return date(day.year, day.month, calendar.monthrange(day.year, day.month)[1])


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
        return [(day, day) for day in map(date.fromordinal, range(start.toordinal(), end.toordinal() + 1))]
    if variant in ("Monthly", "Yearly"):
        out, cursor = [], start
        while cursor <= end:
            last = min(month_end(cursor) if variant == "Monthly" else date(cursor.year, 12, 31), end)
            out.append((cursor, last))
            cursor = last + ONE_DAY
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


def totals(store, activity: dict, accounts: set[str], start: date, end: date) -> dict:
    """{category: [count, usage, price]} for the inclusive period."""
    return period_totals(store, activity, accounts, [(start, end)])[0]


def period_totals(store, activity: dict, accounts: set[str], spans: list[tuple[date, date]]) -> list[dict]:
    """``totals`` of each period of ``spans`` (contiguous, in date order) in one pass over the activity and
    the seeded rows: each is added to the periods it overlaps, a period getting its additions in the same
    order as alone (activity by day, then seeded rows by account and seeding order), so the same floats."""
    outs = [{name: [0, 0, 0.0] for name in CATEGORIES} for _ in spans]
    firsts, lasts = [first for first, _ in spans], [last for _, last in spans]
    days = sorted(activity)
    # Only the days that had activity (a month of a seeded account has none).
    for day in days[bisect_left(days, firsts[0]):bisect_right(days, lasts[-1])]:
        out = outs[bisect_right(firsts, day) - 1]
        for category, (count, usage, price) in activity[day].items():
            if category == "phonenumbers":
                _hold(out, count, price)
            else:
                _add(out[category], count, usage, price)
    index = _seed_index(store)
    for sid in accounts:
        for seeded in index.get(sid, ()):
            if seeded.category not in CATEGORIES or seeded.last < seeded.first:
                continue  # adds nothing (only a hand-edited snapshot has such rows)
            i = bisect_left(lasts, seeded.first)  # the first period not over before the row starts
            while i < len(spans) and firsts[i] <= seeded.last:
                count, usage, price = seeded.part(firsts[i], lasts[i])
                if seeded.category == "phonenumbers":
                    _hold(outs[i], count, price)
                else:
                    _add(outs[i][seeded.category], count, usage, price)
                i += 1
    for out in outs:
        outbound, inbound = out["sms-outbound"], out["sms-inbound"]
        _add(out["sms"], *outbound)
        _add(out["sms"], *inbound)
        total = sum((outbound[2], inbound[2], out["phonenumbers"][2]))
        out["totalprice"] = [total, total, total]
    return outs


def _hold(out: dict, held: int, price: float) -> None:
    """Numbers count the most held on one day of the period, not number-days."""
    row = out["phonenumbers"]
    row[0] = row[1] = max(row[0], held)
    row[2] += price


def _add(row: list, count, usage, price) -> None:
    row[0] += count
    row[1] += usage
    row[2] += price


class Seeded:
    """A seeded row with its dates parsed; what a given number of its days adds is worked out once
    (every day of a month adds the same share of the month's row)."""

    __slots__ = ("first", "last", "category", "row", "_parts")

    def __init__(self, row: dict):
        self.first, self.last = date.fromisoformat(row["start_date"]), date.fromisoformat(row["end_date"])
        self.category, self.row, self._parts = row["category"], row, {}

    def part(self, start: date, end: date) -> tuple:
        """(count, usage, price) of the row's days within [start, end], which overlaps the row."""
        overlap = (min(self.last, end) - max(self.first, start)).days + 1
        part = self._parts.get(overlap)
        if part is None:
            row, share = self.row, overlap / ((self.last - self.first).days + 1)
            if self.category == "phonenumbers":  # numbers held: the count is not shared out
                part = (row["count"], row["count"], row["price"] * share)
            else:
                part = (round(row["count"] * share), round(row["usage"] * share), row["price"] * share)
            self._parts[overlap] = part
        return part


# [the usage_seed list it was built from, {account_sid: [Seeded, …] in seeding order}]
_SEED_INDEX: list = [None, {}]


def _seed_index(store) -> dict:
    """Seeded rows by account; rebuilt whenever ``usage_seed`` is replaced (seeding, reset and snapshots
    assign a new list), so an answer costs its accounts' rows, not every account's."""
    if _SEED_INDEX[0] is not store.usage_seed:
        index: dict = {}
        for row in store.usage_seed:
            index.setdefault(row["account_sid"], []).append(Seeded(row))
        _SEED_INDEX[:] = [store.usage_seed, index]
    return _SEED_INDEX[1]


def seed_rows_of(store, accounts: set[str]) -> list[dict]:
    index = _seed_index(store)
    return [seeded.row for sid in accounts for seeded in index.get(sid, ())]


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
        spans = periods(variant, start, end)
        wanted = [name for name in CATEGORIES if category is None or name == category]
        record = _recorder(account_sid, variant, as_of, wanted)
        items = []
        for (first, last), sums in zip(spans, period_totals(store, activity, accounts, spans)):
            dates = (first.isoformat(), last.isoformat())
            items += [(name, sums[name], dates) for name in wanted]
    path = f"{API}/Accounts/{account_sid}/Usage/Records" + (f"/{variant}" if variant else "") + ".json"
    # Only the records of the asked page are written, straight to pieces of JSON text.
    page = page_2010(request, items, "usage_records", uri_path=path, render=lambda item: record(*item))
    return Response(200, page_json(page, "usage_records"))


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


def _recorder(account_sid: str, variant, as_of: str, categories: list[str]):
    """A function writing one record of a category for a period ((start, end) as ISO dates) as pieces of
    the JSON text the server's encoder would write for the record's dict, keys in the same order. What
    depends on the account, the variant and the category only is encoded once per answer (a 1,000-tenant
    sync asks for 130,000 records)."""
    base = f"{API}/Accounts/{account_sid}/Usage/Records"
    uri = f"{base}{f'/{variant}' if variant else ''}.json?Category="
    fixed = {category: _fixed_parts(account_sid, as_of, base, uri, category) for category in categories}

    def record(category: str, sums: list, dates: tuple[str, str]) -> tuple[str, ...]:
        count, usage, price = sums
        if category == "totalprice":
            count, usage = f"{count:.2f}", f"{usage:.2f}"
        else:
            count, usage = int(count), int(usage)
        start, end = dates
        head, units, links, tail = fixed[category]
        # Counts, dates and float reprs are plain ASCII: nothing to escape.
        return (head, f', "count": "{count}", ', units,
                f', "end_date": "{end}", "price": {_number(round(price, 4))}, "price_unit": "usd", '
                f'"start_date": "{start}", ', links, f'&StartDate={start}&EndDate={end}", "usage": "{usage}", ', tail)
    return record


def _fixed_parts(account_sid: str, as_of: str, base: str, uri: str, category: str) -> tuple[str, str, str, str]:
    """A category's record up to "count", from "count_unit" to "description", "subresource_uris" and the
    "uri" up to its dates, and "usage_unit" to the end."""
    description, count_unit, usage_unit = CATEGORIES[category]
    return (
        f'{{"account_sid": {to_json(account_sid)}, "api_version": "2010-04-01", "as_of": {to_json(as_of)}, '
        f'"category": {to_json(category)}',
        f'"count_unit": {to_json(count_unit)}, "description": {to_json(description)}',
        f'"subresource_uris": {_subresource_uris(base, category)}, "uri": {to_json(uri + category)[:-1]}',
        f'"usage_unit": {to_json(usage_unit)}}}',
    )


def _number(value: float) -> str:
    # What the JSON encoder writes for a finite float (it spells the others NaN / Infinity).
    return repr(value) if math.isfinite(value) else to_json(value)


@lru_cache(maxsize=4096)
def _subresource_uris(base: str, category: str) -> str:
    # The same 8 links on every period of an account's category (131,000 records in a 1,000-tenant sync).
    return to_json({key: f"{base}/{name}.json?Category={category}" for name, key in VARIANT_PATHS.items()})


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
