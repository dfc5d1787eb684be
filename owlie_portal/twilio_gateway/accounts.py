"""Subaccounts and their API keys, always with the parent account's credentials."""

from __future__ import annotations

import queue
import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Iterator

from django.utils import timezone
from twilio.base.deserialize import rfc2822_datetime

from .calls import twilio_call
from .client import parent_client
from .pages import json_pages
from .records import AccountRecord, ApiKeyRecord

SUBACCOUNT_STATUSES = ("active", "suspended", "closed")


@dataclass(frozen=True)
class AccountPage:
    """One page of the Accounts list. It shows Twilio as of `requested_at` (taken just before its request),
    which is the age a comparison with the database must give it. Iterates over its records."""

    records: tuple[AccountRecord, ...]
    requested_at: datetime

    def __iter__(self):
        return iter(self.records)

    def __len__(self) -> int:
        return len(self.records)


def _record(instance) -> AccountRecord:
    return AccountRecord(
        sid=instance.sid,
        friendly_name=instance.friendly_name or "",
        status=str(instance.status),
        owner_account_sid=instance.owner_account_sid or "",
        date_created=instance.date_created,
        date_updated=instance.date_updated,
        auth_token=instance.auth_token or "",
    )


def _from_json(item: dict) -> AccountRecord:
    """A record from one Account as Twilio sends it (the SDK's attributes bear the same names; dates are
    RFC 2822, parsed as the SDK parses them)."""
    return AccountRecord(
        sid=item.get("sid") or "",
        friendly_name=item.get("friendly_name") or "",
        status=str(item.get("status")),
        owner_account_sid=item.get("owner_account_sid") or "",
        date_created=rfc2822_datetime(item["date_created"]) if item.get("date_created") else None,
        date_updated=rfc2822_datetime(item["date_updated"]) if item.get("date_updated") else None,
        auth_token=item.get("auth_token") or "",
    )


def subaccount_create(*, friendly_name: str) -> AccountRecord:
    """Create a subaccount. Not idempotent: a lost answer is ambiguous, reconcile with subaccount_find."""
    client = parent_client()
    created = twilio_call(lambda: client.api.v2010.accounts.create(friendly_name=friendly_name),
                          idempotent=False, what="create a subaccount")
    return _record(created)


def subaccount_find(*, friendly_name: str) -> AccountRecord | None:
    """The subaccount with exactly this FriendlyName, if any (Accounts list filter)."""
    client = parent_client()
    found = twilio_call(lambda: client.api.v2010.accounts.list(friendly_name=friendly_name, limit=20),
                        idempotent=True, what="look up a subaccount by name")
    matches = [a for a in found if a.sid != client.username and a.friendly_name == friendly_name]
    return _record(matches[0]) if matches else None


def subaccount_fetch(*, sid: str) -> AccountRecord:
    client = parent_client()
    return _record(twilio_call(lambda: client.api.v2010.accounts(sid).fetch(),
                               idempotent=True, what="read a subaccount"))


def subaccount_set_status(*, sid: str, status: str) -> AccountRecord:
    """Set active / suspended / closed. Setting the same status twice is harmless, hence idempotent."""
    if status not in SUBACCOUNT_STATUSES:
        raise ValueError(f"unknown subaccount status {status!r}")
    client = parent_client()
    updated = twilio_call(lambda: client.api.v2010.accounts(sid).update(status=status),
                          idempotent=True, what=f"set a subaccount {status}")
    return _record(updated)


def account_rename(*, sid: str, friendly_name: str) -> AccountRecord:
    client = parent_client()
    updated = twilio_call(lambda: client.api.v2010.accounts(sid).update(friendly_name=friendly_name),
                          idempotent=True, what="rename an account")
    return _record(updated)


def subaccount_pages(*, page_size: int = 1000) -> Iterator[AccountPage]:
    """Every subaccount, one Accounts-list request per page (the parent itself is left out).

    Read ahead: a helper thread requests page after page (each needs the previous one's next-page link)
    and hands them over through a queue of PAGES_AHEAD, while this generator turns each into records and
    the caller works on it; so the caller's work overlaps Twilio's latency. The helper touches no
    database; its errors come out of this generator, classified like any other. A caller that stops
    early leaves at most one read in flight."""
    arrived: queue.Queue = queue.Queue(maxsize=PAGES_AHEAD)
    stop = threading.Event()
    threading.Thread(target=_read_ahead, args=(page_size, arrived, stop), name="twilio-pages", daemon=True).start()
    try:
        while (item := arrived.get()) is not None:
            if isinstance(item, BaseException):
                raise item
            requested_at, items, parent_sid = item
            yield AccountPage(records=tuple(_from_json(a) for a in items if a.get("sid") != parent_sid),
                              requested_at=requested_at)
    finally:
        stop.set()


PAGES_AHEAD = 2


def _read_ahead(page_size: int, arrived: queue.Queue, stop: threading.Event) -> None:
    """The helper of subaccount_pages: each page as (requested_at, items, parent SID), or the error that
    ended the list, then None. Pages are read as JSON (json_pages): building the SDK's AccountInstance for
    each of 5,000 accounts was most of the time a sync spent besides Twilio's latency."""
    client = parent_client()
    pages = json_pages(client, "/2010-04-01/Accounts.json", {"PageSize": page_size}, key="accounts",
                       what="list subaccounts")
    try:
        while not stop.is_set():
            requested_at = timezone.now()  # just before the request next() makes
            items = next(pages, None)
            if items is None:
                break
            _hand_over(arrived, (requested_at, items, client.username), stop)
    except BaseException as error:  # handed to the caller's thread, which raises it
        _hand_over(arrived, error, stop)
        return
    _hand_over(arrived, None, stop)


def _hand_over(arrived: queue.Queue, item, stop: threading.Event) -> None:
    while not stop.is_set():  # a caller that stopped reading takes nothing more
        try:
            arrived.put(item, timeout=0.1)
            return
        except queue.Full:
            continue


def api_key_create(*, account_sid: str, friendly_name: str) -> ApiKeyRecord:
    """Create an API key inside a subaccount (parent credentials reach a subaccount's 2010 resources)."""
    client = parent_client()
    key = twilio_call(lambda: client.api.v2010.accounts(account_sid).new_keys.create(friendly_name=friendly_name),
                      idempotent=False, what="create an API key")
    return ApiKeyRecord(sid=key.sid, friendly_name=key.friendly_name or "", secret=key.secret or "")


def api_key_find(*, account_sid: str, friendly_name: str) -> ApiKeyRecord | None:
    """An existing key with this name (the secret is not readable again; callers must replace it)."""
    client = parent_client()
    keys = twilio_call(lambda: client.api.v2010.accounts(account_sid).keys.list(limit=200),
                       idempotent=True, what="list API keys")
    for key in keys:
        if key.friendly_name == friendly_name:
            return ApiKeyRecord(sid=key.sid, friendly_name=key.friendly_name)
    return None


def api_key_delete(*, account_sid: str, key_sid: str) -> None:
    client = parent_client()
    twilio_call(lambda: client.api.v2010.accounts(account_sid).keys(key_sid).delete(),
                idempotent=True, what="delete an API key")
