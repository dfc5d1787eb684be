"""Usage Records: computed from sandbox activity, IncludeSubaccounts, variants, filters, seeded history."""

from datetime import date, datetime, timedelta, timezone

import pytest

from resource_helpers import buy, fast_delivery, subaccount, wait_status  # noqa: F401

SENDER = "+14155550101"


def by_category(records):
    return {r.category: r for r in records}


def send_and_deliver(client, account_sid, body="hi"):
    message = client.api.v2010.accounts(account_sid).messages.create(to="+14155559999", from_=SENDER, body=body)
    return wait_status(client, account_sid, message.sid, "delivered")


def test_outbound_segments_and_numbers_are_counted_and_priced(sandbox, parent_client, fast_delivery):
    buy(parent_client, sandbox.parent_sid, phone_number=SENDER)
    send_and_deliver(parent_client, sandbox.parent_sid, body="x" * 200)  # 2 segments
    records = by_category(parent_client.usage.records.list())
    outbound = records["sms-outbound"]
    assert (outbound.count, outbound.usage, float(outbound.price)) == ("1", "2", pytest.approx(0.0158))
    assert outbound.count_unit == "messages" and outbound.price_unit == "usd"
    assert records["sms"].count == "1"
    assert records["phonenumbers"].count == "1" and float(records["phonenumbers"].price) > 0
    total = float(records["totalprice"].price)
    assert total == pytest.approx(float(outbound.price) + float(records["phonenumbers"].price), abs=1e-3)


def test_inbound_messages_count_as_sms_inbound(sandbox, parent_client):
    buy(parent_client, sandbox.parent_sid, phone_number=SENDER)
    sandbox.control("inbound", From="+14155559999", To=SENDER, Body="hello")
    assert by_category(parent_client.usage.records.list())["sms-inbound"].count == "1"


def test_parent_includes_subaccounts_unless_told_not_to(sandbox, parent_client, fast_delivery):
    sub = subaccount(parent_client)
    buy(parent_client, sub.sid, phone_number=SENDER)
    send_and_deliver(parent_client, sub.sid)
    assert by_category(parent_client.usage.records.list())["sms-outbound"].count == "1"
    assert by_category(parent_client.usage.records.list(include_subaccounts=False))["sms-outbound"].count == "0"
    sub_records = by_category(parent_client.api.v2010.accounts(sub.sid).usage.records.list())
    assert sub_records["sms-outbound"].count == "1" and sub_records["sms-outbound"].account_sid == sub.sid


def test_category_filter(sandbox, parent_client):
    records = parent_client.usage.records.list(category="sms-outbound")
    assert [r.category for r in records] == ["sms-outbound"]


@pytest.mark.parametrize("variant", ["daily", "monthly", "yearly", "today", "yesterday",
                                     "this_month", "last_month", "all_time"])
def test_every_variant_answers_records_with_dates(sandbox, parent_client, variant):
    records = getattr(parent_client.usage.records, variant).list(category="sms")
    assert records and all(r.category == "sms" for r in records)
    assert all(isinstance(r.start_date, date) and isinstance(r.end_date, date) for r in records)


def test_fixed_periods(sandbox, parent_client):
    today = datetime.now(timezone.utc).date()
    assert parent_client.usage.records.today.list(category="sms")[0].start_date == today
    assert parent_client.usage.records.yesterday.list(category="sms")[0].end_date == today - timedelta(days=1)
    last_month = parent_client.usage.records.last_month.list(category="sms")[0]
    assert last_month.start_date.day == 1 and last_month.end_date == today.replace(day=1) - timedelta(days=1)


def test_daily_splits_the_range_into_days(sandbox, parent_client):
    today = datetime.now(timezone.utc).date()
    records = parent_client.usage.records.daily.list(category="sms", start_date=today - timedelta(days=6),
                                                     end_date=today)
    assert [r.start_date for r in records] == [today - timedelta(days=6 - i) for i in range(7)]


def test_offset_start_date(sandbox, parent_client):
    records = parent_client.usage.records.daily.list(category="sms", start_date="-2days")
    assert len(records) == 3


def test_seeded_history_gives_13_monthly_rows_deterministically(sandbox, parent_client):
    answer = sandbox.control("usage/seed", account_sid=sandbox.parent_sid, months="13", seed="7")
    assert answer["rows"] == 13 * 3
    monthly = parent_client.usage.records.monthly.list(category="sms-outbound")
    assert len(monthly) >= 14  # 13 seeded months plus this one
    counts = [r.count for r in monthly]
    sandbox.control("usage/seed", account_sid=sandbox.parent_sid, months="13", seed="7")
    assert [r.count for r in parent_client.usage.records.monthly.list(category="sms-outbound")] == counts
    assert int(counts[0]) > 0


def test_seeded_subaccount_history_rolls_up_into_the_parent(sandbox, parent_client):
    sub = subaccount(parent_client)
    sandbox.control("usage/seed", account_sid=sub.sid, months="3", seed="1")
    last_month = parent_client.usage.records.last_month.list(category="sms-outbound")[0]
    assert int(last_month.count) > 0
    own_only = parent_client.usage.records.last_month.list(category="sms-outbound", include_subaccounts=False)
    assert own_only[0].count == "0"


def _seeded(sandbox, account_sid, category):
    """{first day of month: (count, days in month)} of the account's seeded rows of one category."""
    rows = [r for r in sandbox.sandbox.store.usage_seed
            if r["account_sid"] == account_sid and r["category"] == category]
    return {date.fromisoformat(r["start_date"]): (r["count"], date.fromisoformat(r["end_date"]).day) for r in rows}


def test_a_seeded_month_is_spread_over_its_days_and_over_a_range_crossing_months(sandbox, parent_client):
    sandbox.control("usage/seed", account_sid=sandbox.parent_sid, months="3", seed="4")
    seeded = _seeded(sandbox, sandbox.parent_sid, "sms-outbound")
    last, before = sorted(seeded, reverse=True)[:2]
    count, days = seeded[last]
    end = last + timedelta(days=days - 1)
    daily = parent_client.usage.records.daily.list(category="sms-outbound", start_date=last, end_date=end)
    assert [r.count for r in daily] == [str(round(count / days))] * days
    monthly = parent_client.usage.records.monthly.list(category="sms-outbound", start_date=before, end_date=end)
    assert [(r.start_date, r.count) for r in monthly] == [(before, str(seeded[before][0])), (last, str(count))]
    # The 20th of one month to the 5th of the next: a share of each month's row.
    crossing = parent_client.usage.records.list(category="sms-outbound", start_date=before.replace(day=20),
                                                end_date=last.replace(day=5))
    (before_count, before_days) = seeded[before]
    expected = round(before_count * (before_days - 19) / before_days) + round(count * 5 / days)
    assert [r.count for r in crossing] == [str(expected)]


def test_reseeding_and_reset_change_the_answer_at_once(sandbox, parent_client):
    def last_month_count():
        return parent_client.usage.records.last_month.list(category="sms-outbound")[0].count

    sandbox.control("usage/seed", account_sid=sandbox.parent_sid, months="2", seed="1")
    seeded = _seeded(sandbox, sandbox.parent_sid, "sms-outbound")
    first = last_month_count()
    assert first == str(seeded[max(seeded)][0])
    sandbox.control("usage/seed", account_sid=sandbox.parent_sid, months="2", seed="2")
    reseeded = _seeded(sandbox, sandbox.parent_sid, "sms-outbound")
    assert last_month_count() == str(reseeded[max(reseeded)][0]) != first
    sandbox.reset()
    assert last_month_count() == "0"


def test_paging_a_daily_answer_gives_the_records_of_one_page(sandbox, parent_client):
    sandbox.control("usage/seed", account_sid=sandbox.parent_sid, months="2", seed="3")
    today = datetime.now(timezone.utc).date()
    query = {"category": "totalprice", "start_date": today - timedelta(days=45), "end_date": today}
    paged = parent_client.usage.records.daily.list(page_size=7, **query)
    whole = parent_client.usage.records.daily.list(page_size=1000, **query)
    assert len(whole) == 46
    assert [(r.start_date, r.count, r.price) for r in paged] == [(r.start_date, r.count, r.price) for r in whole]
