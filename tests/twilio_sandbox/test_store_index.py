"""The numbers table's per-account index answers exactly what a scan of every number answers."""

import random

from resource_helpers import buy, subaccount
from twilio_sandbox.store import Number, NumberTable, Store
from twilio_sandbox.wire import new_sid

ACCOUNTS = ("AC1", "AC2", "AC3")


def _scan(table, account_sid: str) -> list[Number]:
    return [n for n in table.values() if n.account_sid == account_sid]


def test_index_matches_a_full_scan_after_random_stores_moves_and_deletes():
    table, chooser = NumberTable(), random.Random(7)
    for step in range(2000):
        action = chooser.random()
        if action < 0.45 or not table:
            sid = new_sid("PN")
            table[sid] = Number(sid=sid, account_sid=chooser.choice(ACCOUNTS))
        elif action < 0.7:
            table.move(table[chooser.choice(list(table))], chooser.choice(ACCOUNTS))
        elif action < 0.8:  # stored again under its SID, maybe as another account's
            sid = chooser.choice(list(table))
            table[sid] = Number(sid=sid, account_sid=chooser.choice(ACCOUNTS))
        else:
            del table[chooser.choice(list(table))]
        if step % 50 == 0:
            for account in ACCOUNTS:
                assert table.of_account(account) == _scan(table, account)
    for account in ACCOUNTS:
        assert table.of_account(account) == _scan(table, account)


def test_index_follows_update_pop_clear_and_a_snapshot_reload():
    store = Store()
    kept, gone = (Number(sid=new_sid("PN"), account_sid=store.parent_sid) for _ in range(2))
    store.numbers.update({kept.sid: kept, gone.sid: gone})
    store.numbers.pop(gone.sid)
    assert store.numbers.of_account(store.parent_sid) == [kept]
    snapshot = store.to_snapshot()
    store.numbers.clear()
    assert store.numbers.of_account(store.parent_sid) == []
    store.from_snapshot(snapshot)
    assert [n.sid for n in store.numbers.of_account(store.parent_sid)] == [kept.sid]


def test_a_number_moved_into_an_account_lists_in_the_same_order_as_before_the_index(sandbox, parent_client):
    sub = subaccount(parent_client)
    older = buy(parent_client, sandbox.parent_sid, phone_number="+14155550101")
    buy(parent_client, sub.sid, phone_number="+14155550102")
    buy(parent_client, sub.sid, phone_number="+14155550103")
    parent_client.api.v2010.accounts(sandbox.parent_sid).incoming_phone_numbers(older.sid).update(account_sid=sub.sid)
    listed = parent_client.api.v2010.accounts(sub.sid).incoming_phone_numbers.list(page_size=2)
    assert [n.phone_number for n in listed] == ["+14155550101", "+14155550102", "+14155550103"]
    assert parent_client.api.v2010.accounts(sandbox.parent_sid).incoming_phone_numbers.list() == []
