"""Accounts: create subaccounts, list, fetch, update FriendlyName / Status (docs/twilio-behaviour.md §5)."""

from datetime import datetime
from functools import lru_cache

from ..errors import ApiError, not_found
from ..routing import SEG
from ..store import Account
from ..wire import Response, json_value, new_sid, new_token, now, page_2010, page_json, rfc2822
from .. import wire

STATUSES = ("active", "suspended", "closed")

SUBRESOURCES = {
    "addresses": "Addresses", "conferences": "Conferences", "signing_keys": "SigningKeys",
    "transcriptions": "Transcriptions", "connect_apps": "ConnectApps", "sip": "SIP",
    "authorized_connect_apps": "AuthorizedConnectApps", "usage": "Usage", "keys": "Keys",
    "applications": "Applications", "recordings": "Recordings", "short_codes": "SMS/ShortCodes",
    "calls": "Calls", "notifications": "Notifications", "incoming_phone_numbers": "IncomingPhoneNumbers",
    "queues": "Queues", "messages": "Messages", "outgoing_caller_ids": "OutgoingCallerIds",
    "available_phone_numbers": "AvailablePhoneNumbers", "balance": "Balance",
}


def to_json(account: Account, *, show_token: bool = True) -> dict:
    base = f"/2010-04-01/Accounts/{account.sid}"
    return {
        "auth_token": account.auth_token if show_token else None,
        "date_created": rfc2822(account.date_created),
        "date_updated": rfc2822(account.date_updated),
        "friendly_name": account.friendly_name,
        "owner_account_sid": account.owner_account_sid,
        "sid": account.sid,
        "status": account.status,
        "subresource_uris": subresource_uris(account.sid),
        "type": account.type,
        "uri": f"{base}.json",
    }


def subresource_uris(sid: str) -> dict:
    base = f"/2010-04-01/Accounts/{sid}"
    return {name: f"{base}/{path}.json" for name, path in SUBRESOURCES.items()}


def record_text(account: Account, show_token: bool) -> tuple[str, str, str]:
    """``to_json(account)`` as pieces of the JSON text the server's encoder writes for it: a 1,000-account
    page spent three quarters of its time building dicts and encoding them."""
    v = json_value
    return (
        f'{{"auth_token": {v(account.auth_token if show_token else None)}, '
        f'"date_created": {v(rfc2822(account.date_created))}, "date_updated": {v(rfc2822(account.date_updated))}, '
        f'"friendly_name": {v(account.friendly_name)}, "owner_account_sid": {v(account.owner_account_sid)}, '
        f'"sid": {v(account.sid)}, "status": {v(account.status)}, "subresource_uris": ',
        _subresource_text(account.sid),
        f', "type": {v(account.type)}, "uri": {v(f"/2010-04-01/Accounts/{account.sid}.json")}}}',
    )


@lru_cache(maxsize=16384)
def _subresource_text(sid: str) -> str:
    # Depends on the SID only: 20 links (1.3 KB) per account, the bulk of an Accounts page.
    return wire.to_json(subresource_uris(sid))


def default_friendly_name(created: datetime) -> str:
    # Twilio's default: "SubAccount Created at 2024-05-01 03:04 pm" (docs/twilio-behaviour.md §5).
    return "SubAccount Created at " + created.strftime("%Y-%m-%d %I:%M ") + ("am" if created.hour < 12 else "pm")


def register(router, sandbox) -> None:
    store = sandbox.store

    def token_visible(request) -> bool:
        # UNCONFIRMED (docs/twilio-behaviour.md §5): Twilio reportedly returns an empty auth_token
        # when an API key made the request; the sandbox returns null then.
        return request.principal.via_key_sid is None

    def create(request):
        with store.lock:
            me = store.accounts[request.principal.account_sid]
            if not me.is_parent:
                raise ApiError(400, 21101, "Subaccounts cannot contain subaccounts")
            # Closed subaccounts still count: Twilio lists them until it deletes
            # them 30 days later, so the stricter count is the safe one.
            if len(store.accounts) - 1 >= store.max_subaccounts:
                raise ApiError(400, 21480, "Maximum number of subaccounts reached")
            created = now()
            account = Account(
                sid=new_sid("AC"), auth_token=new_token(),
                friendly_name=request.arg("FriendlyName") or default_friendly_name(created),
                owner_account_sid=me.sid, date_created=created, date_updated=created)
            store.accounts[account.sid] = account
            return Response(201, to_json(account, show_token=token_visible(request)))

    def listing(request):
        name = request.arg("FriendlyName")
        status = request.arg("Status")
        with store.lock:
            me = store.accounts[request.principal.account_sid]
            if me.is_parent and request.principal.via_key_sid is None:
                candidates = [a for a in store.accounts.values() if a.owner_account_sid == me.sid]
            else:
                candidates = [me]
            matches = [a for a in candidates
                       if (name is None or a.friendly_name == name)
                       and (status is None or a.status == status)]
            show = token_visible(request)
            page = page_2010(request, matches, "accounts", uri_path="/2010-04-01/Accounts.json",
                             render=lambda a: record_text(a, show))
        return Response(200, page_json(page, "accounts"))

    def fetch(request):
        with store.lock:
            account = _get(store, request.params["Sid"])
            return Response(200, to_json(account, show_token=token_visible(request)))

    def update(request):
        with store.lock:
            account = _get(store, request.params["Sid"])
            status = request.arg("Status")
            if status is not None:
                _change_status(store, request.principal, account, status)
            name = request.arg("FriendlyName")
            if name is not None:
                account.friendly_name = name
            account.date_updated = now()
            return Response(200, to_json(account, show_token=token_visible(request)))

    router.add("POST", r"/2010-04-01/Accounts\.json", create)
    router.add("GET", r"/2010-04-01/Accounts\.json", listing)
    router.add("GET", rf"/2010-04-01/Accounts/(?P<Sid>{SEG})\.json", fetch)
    router.add("POST", rf"/2010-04-01/Accounts/(?P<Sid>{SEG})\.json", update)


def _get(store, sid: str) -> Account:
    account = store.accounts.get(sid)
    if account is None:
        raise not_found(f"/2010-04-01/Accounts/{sid}.json")
    return account


def _change_status(store, principal, account: Account, status: str) -> None:
    """Apply the subaccount status rules; the error order mirrors how final each state is."""
    if status not in STATUSES:
        raise ApiError(400, 20001, f"Invalid Status: {status}")
    if account.status == "closed":
        raise ApiError(400, 21479, "Cannot change status of a closed account; it can not be re-opened")
    if account.is_parent:
        if status != account.status:
            # The main account cannot suspend or close itself (docs/twilio-behaviour.md §5); the
            # code is UNCONFIRMED, 20403 Forbidden is the sandbox's choice.
            raise ApiError(403, 20403, "The main account cannot change its own status")
        return
    if principal.account_sid != account.owner_account_sid:
        # Only the parent changes a subaccount's status (docs/twilio-behaviour.md §5).
        raise ApiError(403, 20403, "Only the parent account can change a subaccount's status")
    owner = store.accounts[account.owner_account_sid]
    if owner.status != "active":
        raise ApiError(400, 21476, "Cannot change subaccount status: the parent account is suspended")
    if account.suspended_by_twilio:
        raise ApiError(400, 21478, "Cannot change status: the account was suspended by Twilio")
    account.status = status
    if status == "closed":
        store.release_numbers_of(account.sid)
