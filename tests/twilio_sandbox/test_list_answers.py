"""The Accounts and IncomingPhoneNumbers lists, byte for byte, beside the same answers worked out the plain
way: the store filtered as it stands, each record the resource's dict (``to_json``), the page through
``json.dumps``. Every page is followed by its next-page link, for several page sizes, filters, credentials
and after each kind of change of the store."""

import base64
import json
import urllib.request
from datetime import datetime, timezone
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest

from resource_helpers import buy, subaccount
from twilio_sandbox.resources import accounts, incoming_numbers

API = "/2010-04-01"
ODD_NAME = 'Café "Ünïcode" ☃ \\ back\tslash </script>'


# -- the plain way ------------------------------------------------------------------

def plain_page(uri: str, items: list[dict], key: str) -> bytes:
    path, query = uri.split("?", 1)
    pairs = parse_qsl(query, keep_blank_values=True)
    args = dict(pairs)
    filters = [(k, v) for k, v in pairs if k not in ("Page", "PageSize", "PageToken")]
    size, page = min(max(int(args.get("PageSize", 50)), 1), 1000), int(args.get("Page", 0))
    offset = int(args["PageToken"][2:]) if "PageToken" in args else page * size

    def link(number, at=None):
        token = [("PageToken", f"PT{at}")] if at else []
        return path + "?" + urlencode(filters + [("PageSize", str(size)), ("Page", str(number))] + token)

    chunk = items[offset:offset + size]
    return json.dumps({
        "page": page, "page_size": size, "first_page_uri": link(0),
        "next_page_uri": link(page + 1, offset + size) if offset + size < len(items) else None,
        "previous_page_uri": link(page - 1, max(offset - size, 0)) if page > 0 else None,
        "start": offset if chunk else 0, "end": offset + len(chunk) - 1 if chunk else 0,
        "uri": link(page, offset), key: chunk,
    }).encode()


def plain_accounts(store, sid: str, *, via_key: bool, query: dict) -> list[dict]:
    me = store.accounts[sid]
    listed = ([a for a in store.accounts.values() if a.owner_account_sid == sid]
              if me.is_parent and not via_key else [me])
    return [accounts.to_json(a, show_token=not via_key) for a in listed
            if query.get("FriendlyName", a.friendly_name) == a.friendly_name
            and query.get("Status", a.status) == a.status]


def plain_numbers(store, account_sid: str, query: dict) -> list[dict]:
    pattern = query.get("PhoneNumber")
    held = [n for n in store.numbers.values() if n.account_sid == account_sid]
    return [incoming_numbers.to_json(n) for n in held
            if (not pattern or incoming_numbers._phone_matcher(pattern).search(n.phone_number))
            and query.get("FriendlyName", n.friendly_name) == n.friendly_name
            and query.get("Origin", n.origin) == n.origin]


# -- the sandbox's answers ----------------------------------------------------------

def get(sandbox, uri: str, user: str, secret: str) -> bytes:
    request = urllib.request.Request(sandbox.url + uri)
    request.add_header("Authorization", "Basic " + base64.b64encode(f"{user}:{secret}".encode()).decode())
    with urllib.request.urlopen(request, timeout=10) as answer:
        assert answer.status == 200
        assert answer.headers["Content-Type"] == "application/json; charset=utf-8"
        return answer.read()


def assert_every_page_is_plain(sandbox, path: str, query: dict, key: str, plain, credentials) -> list[dict]:
    """Follow the pages from ``path?query``; each answer must equal the plain page. Returns the records."""
    uri, records = f"{path}?{urlencode(query)}", []
    while uri:
        body = get(sandbox, uri, *credentials)
        with sandbox.sandbox.store.lock:
            expected = plain_page(uri, plain(), key)
        assert body.decode() == expected.decode()
        answer = json.loads(body)
        records += answer[key]
        uri = answer["next_page_uri"]
    return records


def assert_accounts_plain(sandbox, query: dict, *, sid=None, credentials=None, via_key=False) -> list[dict]:
    sid = sid or sandbox.parent_sid
    store = sandbox.sandbox.store
    return assert_every_page_is_plain(
        sandbox, f"{API}/Accounts.json", query, "accounts",
        lambda: plain_accounts(store, sid, via_key=via_key, query=query),
        credentials or (sandbox.parent_sid, sandbox.parent_token))


def assert_numbers_plain(sandbox, account_sid: str, query: dict, credentials=None) -> list[dict]:
    store = sandbox.sandbox.store
    return assert_every_page_is_plain(
        sandbox, f"{API}/Accounts/{account_sid}/IncomingPhoneNumbers.json", query, "incoming_phone_numbers",
        lambda: plain_numbers(store, account_sid, query), credentials or (sandbox.parent_sid, sandbox.parent_token))


@pytest.fixture
def family(sandbox, parent_client):
    """Seven subaccounts (one with an awkward name) holding numbers, and numbers in the parent."""
    subs = [subaccount(parent_client, ODD_NAME if i == 3 else f"customer {i}") for i in range(7)]
    for i in range(16):
        owner = sandbox.parent_sid if i < 5 else subs[i % 3].sid
        buy(parent_client, owner, phone_number=f"+1415555{i:04d}", sms_url=f"https://portal.example/sms/{i}",
            friendly_name=ODD_NAME if i == 6 else f"line {i % 4}")
    return subs


ACCOUNT_QUERIES = [{}, {"PageSize": "1000"}, {"PageSize": "3"}, {"PageSize": "1"}, {"PageSize": "5000"},
                   {"FriendlyName": "customer 2"}, {"FriendlyName": ODD_NAME, "PageSize": "2"},
                   {"Status": "suspended"}, {"Status": "active", "PageSize": "4"}]
NUMBER_QUERIES = [{}, {"PageSize": "1000"}, {"PageSize": "2"}, {"PageSize": "1"}, {"PhoneNumber": "+1415555000*"},
                  {"PhoneNumber": "5550006"}, {"FriendlyName": "line 1", "PageSize": "1"},
                  {"FriendlyName": ODD_NAME}, {"Origin": "twilio", "PageSize": "3"}]


def assert_all_plain(sandbox, subs) -> None:
    for query in ACCOUNT_QUERIES:
        assert_accounts_plain(sandbox, query)
    for sid in [sandbox.parent_sid] + [s.sid for s in subs]:
        for query in NUMBER_QUERIES:
            assert_numbers_plain(sandbox, sid, query)


def test_both_lists_equal_the_plain_pages_byte_for_byte(sandbox, family):
    assert_all_plain(sandbox, family)
    listed = assert_accounts_plain(sandbox, {"PageSize": "3"})
    assert len(listed) == 8 and any(a["friendly_name"] == ODD_NAME for a in listed)
    assert len(assert_numbers_plain(sandbox, sandbox.parent_sid, {"PageSize": "2"})) == 5


def test_a_subaccount_and_an_api_key_see_the_plain_pages(sandbox, parent_client, family):
    sub = family[0]
    assert_accounts_plain(sandbox, {}, sid=sub.sid, credentials=(sub.sid, sub.auth_token))
    assert_numbers_plain(sandbox, sub.sid, {"PageSize": "1"}, credentials=(sub.sid, sub.auth_token))
    key = parent_client.api.v2010.accounts(sandbox.parent_sid).new_keys.create(friendly_name="sync")
    listed = assert_accounts_plain(sandbox, {"PageSize": "2"}, credentials=(key.sid, key.secret), via_key=True)
    assert [a["auth_token"] for a in listed] == [None]
    assert_numbers_plain(sandbox, sandbox.parent_sid, {}, credentials=(key.sid, key.secret))


def test_the_pages_follow_each_change_of_the_store(sandbox, parent_client, family):
    store = sandbox.sandbox.store
    snapshot = store.to_snapshot()
    client = parent_client.api.v2010
    numbers = {n.sid: n for n in store.numbers.values()}
    moved, updated, released = [n for n in numbers.values() if n.account_sid == family[0].sid][:3]
    client.accounts(family[1].sid).update(status="suspended")
    client.accounts(family[2].sid).update(friendly_name="renamed ☃")
    client.accounts(family[0].sid).incoming_phone_numbers(moved.sid).update(account_sid=family[4].sid)
    client.accounts(family[0].sid).incoming_phone_numbers(updated.sid).update(
        sms_url="https://elsewhere.example/sms", voice_caller_id_lookup=True, friendly_name="line 1")
    client.accounts(family[0].sid).incoming_phone_numbers(released.sid).delete()
    client.accounts(family[5].sid).update(status="closed")
    buy(parent_client, family[6].sid, phone_number="+14155559999")
    assert_all_plain(sandbox, family)
    assert [n["sid"] for n in assert_numbers_plain(sandbox, family[4].sid, {})] == [moved.sid]
    assert {a["status"] for a in assert_accounts_plain(sandbox, {})} == {"active", "suspended", "closed"}
    store.from_snapshot(snapshot)
    assert_all_plain(sandbox, family)
    assert len(assert_numbers_plain(sandbox, family[0].sid, {})) == 4


def test_values_of_any_json_type_in_the_store_are_written_as_the_encoder_writes_them(sandbox, family):
    """A hand-edited snapshot may hold nulls, numbers or odd capabilities where the sandbox writes strings."""
    store = sandbox.sandbox.store
    with store.lock:
        number = next(n for n in store.numbers.values() if n.account_sid == family[1].sid)
        number.capabilities = {"voice": True, "sms": 1, "mms": None, "fax": 0.5, "extra": {"nested": [1, "ü"]}}
        number.sms_url, number.beta, number.trunk_sid = None, 0, "TK\u00e9"
        number.date_updated = datetime(2020, 2, 29, 23, 59, 59, tzinfo=timezone.utc)
        account = store.accounts[family[2].sid]
        account.friendly_name, account.type, account.date_created = None, 7, None
    assert_all_plain(sandbox, family)
