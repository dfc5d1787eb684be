"""Usage Records answers, byte for byte, beside the same answers worked out the plain way: each period
summed from scratch over the day's activity and every seeded row, each record a dict, the page through
``json.dumps``. Also: the next answer follows every change of the store (message, number, seed, snapshot)."""

import base64
import json
import urllib.request
from datetime import date, datetime, timedelta, timezone
from urllib.parse import urlencode

import pytest

from resource_helpers import buy, subaccount
from twilio_sandbox.resources import usage
from twilio_sandbox.store import Message
from twilio_sandbox.wire import new_sid

API = "/2010-04-01"


# -- the plain way ------------------------------------------------------------------

def plain_periods(variant, start: date, end: date) -> list[tuple[date, date]]:
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    if variant == "Daily":
        return [(day, day) for day in days]
    if variant == "Monthly":
        months: dict = {}
        for day in days:
            months.setdefault((day.year, day.month), []).append(day)
        return [(month[0], month[-1]) for month in months.values()]
    return [(start, end)]


def plain_totals(store, accounts, activity: dict, first: date, last: date) -> dict:
    out = {name: [0, 0, 0.0] for name in usage.CATEGORIES}

    def add(category, count, amount, price):
        if category == "phonenumbers":  # the most numbers held on one day, not number-days
            out[category][0] = out[category][1] = max(out[category][0], count)
            out[category][2] += price
        else:
            out[category][0] += count
            out[category][1] += amount
            out[category][2] += price

    for day in sorted(activity):
        if first <= day <= last:
            for category, figures in activity[day].items():
                add(category, *figures)
    for sid in accounts:
        for row in store.usage_seed:
            row_first, row_last = date.fromisoformat(row["start_date"]), date.fromisoformat(row["end_date"])
            if row["account_sid"] != sid or row_last < first or row_first > last:
                continue
            share = ((min(row_last, last) - max(row_first, first)).days + 1) / ((row_last - row_first).days + 1)
            if row["category"] == "phonenumbers":
                add("phonenumbers", row["count"], row["count"], row["price"] * share)
            else:
                add(row["category"], round(row["count"] * share), round(row["usage"] * share), row["price"] * share)
    for part in ("sms-outbound", "sms-inbound"):
        for i in range(3):
            out["sms"][i] += out[part][i]
    total = sum(out[c][2] for c in ("sms-outbound", "sms-inbound", "phonenumbers"))
    out["totalprice"] = [total, total, total]
    return out


def plain_record(account_sid, variant, category, sums, first: date, last: date, as_of: str) -> dict:
    base = f"{API}/Accounts/{account_sid}/Usage/Records"
    description, count_unit, usage_unit = usage.CATEGORIES[category]
    count, amount, price = sums
    money = category == "totalprice"
    return {
        "account_sid": account_sid, "api_version": "2010-04-01", "as_of": as_of, "category": category,
        "count": f"{count:.2f}" if money else str(int(count)), "count_unit": count_unit,
        "description": description, "end_date": last.isoformat(), "price": round(price, 4), "price_unit": "usd",
        "start_date": first.isoformat(),
        "subresource_uris": {key: f"{base}/{name}.json?Category={category}"
                             for name, key in usage.VARIANT_PATHS.items()},
        "uri": f"{base}{f'/{variant}' if variant else ''}.json?Category={category}"
               f"&StartDate={first.isoformat()}&EndDate={last.isoformat()}",
        "usage": f"{amount:.2f}" if money else str(int(amount)), "usage_unit": usage_unit,
    }


def plain_page(path: str, query: dict, records: list[dict], page: int, size: int) -> dict:
    filters = [(k, v) for k, v in query.items() if k not in ("Page", "PageSize", "PageToken")]

    def uri(number, offset=None):
        token = [("PageToken", f"PT{offset}")] if offset else []
        return path + "?" + urlencode(filters + [("PageSize", str(size)), ("Page", str(number))] + token)

    offset = page * size
    chunk = records[offset:offset + size]
    return {
        "page": page, "page_size": size, "first_page_uri": uri(0),
        "next_page_uri": uri(page + 1, offset + size) if offset + size < len(records) else None,
        "previous_page_uri": uri(page - 1, max(offset - size, 0)) if page > 0 else None,
        "start": offset if chunk else 0, "end": offset + len(chunk) - 1 if chunk else 0,
        "uri": uri(page, offset), "usage_records": chunk,
    }


def plain_answer(sandbox, account_sid, variant, query: dict, as_of: str) -> bytes:
    store = sandbox.sandbox.store
    today = date.fromisoformat(as_of[:10])
    start, end = date.fromisoformat(query["StartDate"]), date.fromisoformat(query["EndDate"])
    wanted = [c for c in usage.CATEGORIES if query.get("Category", c) == c]
    with store.lock:
        accounts = usage.account_scope(store, account_sid, query.get("IncludeSubaccounts") != "false")
        activity = usage.daily_activity(store, accounts, today)
        records = []
        for first, last in plain_periods(variant, start, end):
            sums = plain_totals(store, accounts, activity, first, last)
            records += [plain_record(account_sid, variant, c, sums[c], first, last, as_of) for c in wanted]
    path = f"{API}/Accounts/{account_sid}/Usage/Records{f'/{variant}' if variant else ''}.json"
    page = plain_page(path, query, records, int(query.get("Page", 0)), int(query.get("PageSize", 50)))
    return json.dumps(page).encode()


# -- the sandbox's answers ----------------------------------------------------------------

def get(sandbox, uri: str, sid: str, token: str) -> bytes:
    request = urllib.request.Request(sandbox.url + uri)
    request.add_header("Authorization", "Basic " + base64.b64encode(f"{sid}:{token}".encode()).decode())
    with urllib.request.urlopen(request, timeout=10) as answer:
        return answer.read()


def assert_answer_is_plain(sandbox, credentials, account_sid, variant, query) -> dict:
    """Compare the sandbox's answer with the plain one (retried once should a second tick in between)."""
    uri = f"{API}/Accounts/{account_sid}/Usage/Records{f'/{variant}' if variant else ''}.json?{urlencode(query)}"
    for _ in range(2):
        body = get(sandbox, uri, *credentials)
        records = json.loads(body)["usage_records"]
        as_of = records[0]["as_of"] if records else datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S+00:00")
        expected = plain_answer(sandbox, account_sid, variant, query, as_of)
        if body == expected:
            return json.loads(body)
    assert body.decode() == expected.decode()


@pytest.fixture
def busy(sandbox, parent_client):
    """The parent and three subaccounts with 13 months seeded each, numbers held and priced messages spread
    over the last 70 days (a period sums the activity of several accounts)."""
    store = sandbox.sandbox.store
    subs = [subaccount(parent_client, f"customer {i}") for i in range(3)]
    for seed, sid in enumerate([sandbox.parent_sid] + [s.sid for s in subs]):
        sandbox.control("usage/seed", account_sid=sid, months="13", seed=str(seed))
    buy(parent_client, subs[0].sid, phone_number="+14155550101")
    buy(parent_client, sandbox.parent_sid, phone_number="+14155550102")
    now = datetime.now(timezone.utc).replace(microsecond=0)
    with store.lock:
        for i in range(60):
            sid = ([sandbox.parent_sid] + [s.sid for s in subs])[i % 4]
            message = Message(sid=new_sid("SM"), account_sid=sid, direction="inbound" if i % 3 == 0 else "outbound-api",
                              num_segments=str(1 + i % 3), price=f"-{0.0079 * (1 + i % 3):.5f}",
                              date_sent=now - timedelta(days=(i * 7) % 70, hours=i % 5))
            store.messages[message.sid] = message
    return subs


def window(today: date, first: date) -> dict:
    return {"StartDate": first.isoformat(), "EndDate": today.isoformat(), "PageSize": "1000"}


def test_answers_equal_the_plain_sums_byte_for_byte(sandbox, busy):
    today = datetime.now(timezone.utc).date()
    this_month = today.replace(day=1)
    thirteen_back = (this_month - timedelta(days=13 * 31)).replace(day=1)
    last_month = (this_month - timedelta(days=1)).replace(day=1)
    sub = busy[0]
    parent = (sandbox.parent_sid, sandbox.parent_token)
    cases = [
        ((sub.sid, sub.auth_token), sub.sid, "Monthly", window(today, thirteen_back)),
        ((sub.sid, sub.auth_token), sub.sid, "Daily", {**window(today, last_month), "Category": "totalprice"}),
        (parent, sub.sid, "Daily", window(today, today - timedelta(days=45))),
        (parent, sandbox.parent_sid, "Monthly", {**window(today, thirteen_back), "IncludeSubaccounts": "false"}),
        (parent, sandbox.parent_sid, "Monthly", {**window(today, thirteen_back), "IncludeSubaccounts": "true",
                                                 "Category": "totalprice"}),
        (parent, sandbox.parent_sid, None, {"StartDate": (last_month - timedelta(days=40)).replace(day=20).isoformat(),
                                            "EndDate": last_month.replace(day=5).isoformat()}),
        (parent, sandbox.parent_sid, "Monthly", {**window(today, thirteen_back), "Category": "sms-outbound"}),
        (parent, sandbox.parent_sid, "Daily", {**window(today, today), "Category": "no-such-category"}),
    ]
    for credentials, account_sid, variant, query in cases:
        assert_answer_is_plain(sandbox, credentials, account_sid, variant, query)


def test_every_page_of_a_paged_daily_answer_equals_the_plain_page(sandbox, busy):
    today = datetime.now(timezone.utc).date()
    parent = (sandbox.parent_sid, sandbox.parent_token)
    query = {"StartDate": (today - timedelta(days=40)).isoformat(), "EndDate": today.isoformat(), "PageSize": "30"}
    pages = []
    for page in range(8):  # 41 days x 5 categories = 205 records: 7 pages of 30
        answer = assert_answer_is_plain(sandbox, parent, sandbox.parent_sid, "Daily", {**query, "Page": str(page)})
        pages.append(answer)
    assert [len(p["usage_records"]) for p in pages] == [30] * 6 + [25, 0]
    assert pages[6]["next_page_uri"] is None and pages[0]["previous_page_uri"] is None


def test_the_next_answer_follows_each_change_of_the_store(sandbox, parent_client, busy):
    today = datetime.now(timezone.utc).date()
    sub = busy[1]
    credentials = (sub.sid, sub.auth_token)
    monthly = window(today, (today.replace(day=1) - timedelta(days=400)).replace(day=1))
    daily = {**window(today, today - timedelta(days=3)), "Category": "totalprice"}

    def answers():
        """Both answers' records without as_of (the clock may tick between two answers)."""
        return [[{k: v for k, v in record.items() if k != "as_of"}
                 for record in assert_answer_is_plain(sandbox, credentials, sub.sid, variant, query)["usage_records"]]
                for variant, query in (("Monthly", monthly), ("Daily", daily))]

    snapshot = sandbox.sandbox.store.to_snapshot()
    before = answers()
    buy(parent_client, sub.sid, phone_number="+14155550199")
    with_number = answers()
    assert with_number != before
    sandbox.control("inbound", From="+14155559999", To="+14155550199", Body="hello")  # a priced inbound message
    with_message = answers()
    assert with_message != with_number
    sandbox.control("usage/seed", account_sid=sub.sid, months="13", seed="99")
    reseeded = answers()
    assert reseeded != with_message
    sandbox.sandbox.store.from_snapshot(snapshot)
    assert answers() == before
