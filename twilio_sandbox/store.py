"""In-memory state: plain dicts of dataclasses keyed by SID, guarded by one lock.

Helper modules may add fields to these dataclasses; keep every field with a
default (except the SID and owner) so snapshots from older runs still load.
"""

import json
import os
import threading
from collections.abc import MutableMapping
from dataclasses import dataclass, field, fields, asdict
from datetime import datetime

from .wire import new_sid, new_token, now

DEFAULT_MAX_SUBACCOUNTS = 1000  # docs/twilio-behaviour.md §5: Twilio's default limit
DEFAULT_BALANCE = "100.00"


@dataclass
class Account:
    sid: str
    auth_token: str
    friendly_name: str
    owner_account_sid: str
    status: str = "active"  # active | suspended | closed
    type: str = "Full"
    # Set by the control API only: Twilio itself suspended the account, so its
    # parent cannot change its status (21478) and its children are blocked (21476).
    suspended_by_twilio: bool = False
    date_created: datetime = field(default_factory=now)
    date_updated: datetime = field(default_factory=now)

    @property
    def is_parent(self) -> bool:
        return self.owner_account_sid == self.sid


@dataclass
class Key:
    sid: str
    account_sid: str
    friendly_name: str = ""
    secret: str = field(default_factory=new_token)
    date_created: datetime = field(default_factory=now)
    date_updated: datetime = field(default_factory=now)


@dataclass
class Number:
    """api.v2010.account.incoming_phone_number"""
    sid: str
    account_sid: str
    phone_number: str = ""
    friendly_name: str = ""
    capabilities: dict = field(default_factory=lambda: {"voice": True, "sms": True, "mms": True, "fax": False})
    sms_url: str = ""
    sms_method: str = "POST"
    sms_fallback_url: str = ""
    sms_fallback_method: str = "POST"
    sms_application_sid: str = ""
    voice_url: str = ""
    voice_method: str = "POST"
    voice_fallback_url: str = ""
    voice_fallback_method: str = "POST"
    voice_application_sid: str = ""
    voice_caller_id_lookup: bool = False
    voice_receive_mode: str = "voice"
    status_callback: str = ""
    status_callback_method: str = "POST"
    trunk_sid: str | None = None
    address_sid: str | None = None
    identity_sid: str | None = None
    bundle_sid: str | None = None
    emergency_status: str = "Inactive"
    emergency_address_sid: str | None = None
    emergency_address_status: str = "unregistered"
    address_requirements: str = "none"
    origin: str = "twilio"
    beta: bool = False
    status: str = "in-use"
    type: str = "local"  # local | mobile | tollfree
    # Messaging Service membership: at most one service per number (21712).
    service_sid: str | None = None
    service_added_at: datetime | None = None
    date_created: datetime = field(default_factory=now)
    date_updated: datetime = field(default_factory=now)


@dataclass
class Message:
    """api.v2010.account.message"""
    sid: str
    account_sid: str
    to: str = ""
    from_: str | None = None  # "from" is a keyword
    body: str = ""
    status: str = "queued"
    direction: str = "outbound-api"
    messaging_service_sid: str | None = None
    num_segments: str = "1"
    num_media: str = "0"
    media_urls: list = field(default_factory=list)
    price: str | None = None
    price_unit: str = "USD"
    error_code: int | None = None
    error_message: str | None = None
    status_callback: str | None = None
    api_version: str = "2010-04-01"
    date_created: datetime = field(default_factory=now)
    date_updated: datetime = field(default_factory=now)
    date_sent: datetime | None = None


@dataclass
class Service:
    """messaging.v1.service"""
    sid: str
    account_sid: str
    friendly_name: str = ""
    inbound_request_url: str | None = None
    inbound_method: str = "POST"
    fallback_url: str | None = None
    fallback_method: str = "POST"
    status_callback: str | None = None
    sticky_sender: bool = True
    mms_converter: bool = True
    smart_encoding: bool = True
    scan_message_content: str = "inherit"
    fallback_to_long_code: bool = True
    area_code_geomatch: bool = True
    synchronous_validation: bool = False
    validity_period: int = 36000
    usecase: str = "undeclared"
    us_app_to_person_registered: bool = False
    use_inbound_webhook_on_number: bool = False
    date_created: datetime = field(default_factory=now)
    date_updated: datetime = field(default_factory=now)


@dataclass
class Trigger:
    """api.v2010.account.usage.usage_trigger"""
    sid: str
    account_sid: str
    friendly_name: str = ""
    callback_url: str = ""
    callback_method: str = "POST"
    usage_category: str = ""
    trigger_value: str = ""
    trigger_by: str = "usage"  # count | usage | price
    recurring: str = ""  # daily | monthly | yearly | alltime | ""
    current_value: str = "0"
    date_fired: datetime | None = None
    date_created: datetime = field(default_factory=now)
    date_updated: datetime = field(default_factory=now)


class NumberTable(MutableMapping):
    """The numbers keyed by SID, plus an index by owning account: listing one account's numbers must not
    scan every number (1,000 subaccounts each listing theirs made every list O(all numbers)).

    A number's owner changes only through ``move``. ``of_account`` answers in the order the SIDs were
    first stored, as a scan of the whole table does.
    """

    def __init__(self, *args, **kwargs):
        self._rows: dict[str, Number] = {}
        self._by_account: dict[str, dict[str, Number]] = {}
        self._order: dict[str, int] = {}  # SID -> when it was first stored (kept while it stays stored)
        self._stored = 0
        self.update(*args, **kwargs)

    def __getitem__(self, sid: str) -> Number:
        return self._rows[sid]

    def __setitem__(self, sid: str, number: Number) -> None:
        old = self._rows.get(sid)
        if old is not None:
            self._unfile(sid, old.account_sid)
        else:
            self._order[sid] = self._stored
            self._stored += 1
        self._rows[sid] = number
        self._file(sid, number)

    def __delitem__(self, sid: str) -> None:
        number = self._rows.pop(sid)
        self._unfile(sid, number.account_sid)
        del self._order[sid]

    def __iter__(self):
        return iter(self._rows)

    def __len__(self) -> int:
        return len(self._rows)

    def __contains__(self, sid) -> bool:
        return sid in self._rows

    # The plain dict's views and get: every other resource still scans all numbers through them.
    def get(self, sid, default=None):
        return self._rows.get(sid, default)

    def keys(self):
        return self._rows.keys()

    def values(self):
        return self._rows.values()

    def items(self):
        return self._rows.items()

    def clear(self) -> None:
        self._rows.clear()
        self._by_account.clear()
        self._order.clear()

    def of_account(self, account_sid: str) -> list[Number]:
        """The numbers `account_sid` holds, in the table's order."""
        return list(self._by_account.get(account_sid, {}).values())

    def move(self, number: Number, account_sid: str) -> None:
        """Give a stored number to another account."""
        self._unfile(number.sid, number.account_sid)
        number.account_sid = account_sid
        self._file(number.sid, number)

    def _file(self, sid: str, number: Number) -> None:
        bucket = self._by_account.setdefault(number.account_sid, {})
        last = next(reversed(bucket), None)
        bucket[sid] = number
        if last is not None and self._order[last] > self._order[sid]:
            # Moved in ahead of the account's newer numbers: put the bucket back in table order.
            self._by_account[number.account_sid] = dict(sorted(bucket.items(), key=lambda item: self._order[item[0]]))

    def _unfile(self, sid: str, account_sid: str) -> None:
        bucket = self._by_account.get(account_sid)
        if bucket is not None:
            bucket.pop(sid, None)
            if not bucket:
                del self._by_account[account_sid]


# Snapshot table name -> dataclass; order matters only for readability.
TABLES = {
    "accounts": Account,
    "keys": Key,
    "numbers": Number,
    "messages": Message,
    "services": Service,
    "triggers": Trigger,
}


class Store:
    def __init__(self, parent_sid: str | None = None, parent_token: str | None = None,
                 *, max_subaccounts: int = DEFAULT_MAX_SUBACCOUNTS):
        self.lock = threading.RLock()
        self.parent_sid = parent_sid or new_sid("AC")
        self.parent_token = parent_token or new_token()
        self.default_max_subaccounts = max_subaccounts
        self.reset()

    def reset(self) -> None:
        """Back to just the parent account, keeping its credentials."""
        with self.lock:
            self.accounts: dict[str, Account] = {}
            self.keys: dict[str, Key] = {}
            self.numbers = NumberTable()
            self.messages: dict[str, Message] = {}
            self.services: dict[str, Service] = {}
            self.triggers: dict[str, Trigger] = {}
            self.optouts: set[tuple[str, str, str]] = set()
            self.usage_seed: list = []
            self.max_subaccounts = self.default_max_subaccounts
            self.balance = DEFAULT_BALANCE
            self.accounts[self.parent_sid] = Account(
                sid=self.parent_sid, auth_token=self.parent_token,
                friendly_name="Sandbox parent account", owner_account_sid=self.parent_sid)

    # -- accounts ------------------------------------------------------------

    def parent(self) -> Account:
        return self.accounts[self.parent_sid]

    def subaccounts(self) -> list[Account]:
        return [a for a in self.accounts.values() if not a.is_parent]

    def effective_status(self, account: Account) -> str:
        """A child of a suspended parent is suspended too (docs/twilio-behaviour.md §5)."""
        if account.status == "active" and not account.is_parent:
            owner = self.accounts.get(account.owner_account_sid)
            if owner is not None and owner.status != "active":
                return "suspended"
        return account.status

    def release_numbers_of(self, account_sid: str) -> list[str]:
        """Closing an account releases its numbers (docs/twilio-behaviour.md §5); returns the released SIDs."""
        with self.lock:
            released = [sid for sid, n in self.numbers.items() if n.account_sid == account_sid]
            for sid in released:
                # Deleting the Number also drops its service membership,
                # which lives on the number (service_sid).
                del self.numbers[sid]
            return released

    # -- snapshot ------------------------------------------------------------

    def to_snapshot(self, *, readable: bool = False) -> dict:
        """Everything as JSON-ready data; ``readable`` writes dates as plain ISO strings."""
        with self.lock:
            data = {name: [_encode(asdict(obj), readable) for obj in getattr(self, name).values()]
                    for name in TABLES}
            data["optouts"] = sorted(list(t) for t in self.optouts)
            data["usage_seed"] = _encode(self.usage_seed, readable)
            data["max_subaccounts"] = self.max_subaccounts
            data["balance"] = self.balance
            data["parent_sid"] = self.parent_sid
            return data

    def from_snapshot(self, data: dict) -> None:
        """Load a snapshot taken of the same parent; other parents' data is ignored."""
        with self.lock:
            if data.get("parent_sid") != self.parent_sid:
                return
            parent = self.parent()
            for name, cls in TABLES.items():
                table = getattr(self, name)
                table.clear()
                for row in data.get(name, []):
                    obj = _build(cls, _decode(row))
                    table[obj.sid] = obj
            # The parent's credentials come from the command line, not the file.
            self.accounts.setdefault(self.parent_sid, parent)
            self.accounts[self.parent_sid].auth_token = self.parent_token
            self.optouts = {tuple(t) for t in data.get("optouts", [])}
            self.usage_seed = _decode(data.get("usage_seed", []))
            self.max_subaccounts = data.get("max_subaccounts", self.max_subaccounts)
            self.balance = data.get("balance", self.balance)

    def save(self, path: str) -> None:
        tmp = path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump(self.to_snapshot(), fh)
        os.replace(tmp, path)

    def load(self, path: str) -> None:
        with open(path, encoding="utf-8") as fh:
            self.from_snapshot(json.load(fh))


def _build(cls, row: dict):
    known = {f.name for f in fields(cls)}
    return cls(**{k: v for k, v in row.items() if k in known})


def _encode(value, readable: bool = False):
    if isinstance(value, datetime):
        return value.isoformat() if readable else {"$dt": value.isoformat()}
    if isinstance(value, dict):
        return {k: _encode(v, readable) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_encode(v, readable) for v in value]
    return value


def _decode(value):
    if isinstance(value, dict):
        if set(value) == {"$dt"}:
            return datetime.fromisoformat(value["$dt"])
        return {k: _decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode(v) for v in value]
    return value
