"""Subaccounts and their API keys, always with the parent account's credentials."""

from __future__ import annotations

from typing import Iterator

from .calls import twilio_call
from .client import parent_client
from .records import AccountRecord, ApiKeyRecord

SUBACCOUNT_STATUSES = ("active", "suspended", "closed")


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


def subaccount_pages(*, page_size: int = 1000) -> Iterator[list[AccountRecord]]:
    """Every subaccount, one Accounts-list request per page (the parent itself is left out)."""
    client = parent_client()
    parent_sid = client.username
    page = twilio_call(lambda: client.api.v2010.accounts.page(page_size=page_size),
                       idempotent=True, what="list subaccounts")
    while page is not None:
        yield [_record(a) for a in page if a.sid != parent_sid]
        current = page
        page = twilio_call(current.next_page, idempotent=True, what="list subaccounts")


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
