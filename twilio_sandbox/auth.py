"""Basic-auth rules of docs/twilio-behaviour.md §5 (credential scope of parents, subaccounts and API keys)."""

import base64
import binascii
import hmac
import re
from dataclasses import dataclass

from .errors import ApiError, authenticate_error, not_found

ACCOUNT_UPDATE = re.compile(r"/2010-04-01/Accounts/[^/]+\.json")


@dataclass(frozen=True)
class Principal:
    account_sid: str               # the account whose credentials (or key) were used
    via_key_sid: str | None = None  # SK… when an API key authenticated


def parse_basic(header: str | None) -> tuple[str, str] | None:
    if not header or not header[:6].lower() == "basic ":
        return None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    username, sep, password = decoded.partition(":")
    return (username, password) if sep else None


def credential_account(store, header: str | None) -> str | None:
    """The account a request's credentials name, without checking the secret (for stats/faults)."""
    creds = parse_basic(header)
    if creds is None:
        return None
    username = creds[0]
    if username.startswith("SK"):
        key = store.keys.get(username)
        return key.account_sid if key else None
    return username if username in store.accounts else None


def authenticate(store, authorization_header: str | None, *, target_account_sid: str | None,
                 host: str = "api") -> Principal:
    """Check the credentials and that they reach ``target_account_sid``.

    ``target_account_sid`` is None for ``/Accounts.json`` and the v1 messaging
    host, which act on the authenticating account itself.
    """
    with store.lock:
        principal = _check_secret(store, parse_basic(authorization_header))
        if target_account_sid is None or target_account_sid == principal.account_sid:
            return principal
        target = store.accounts.get(target_account_sid)
        if target is None:
            raise not_found(f"/2010-04-01/Accounts/{target_account_sid}")
        # Only the parent's own SID+token reach a child; parent API keys
        # cannot (docs/twilio-behaviour.md §5), and siblings never can.
        if principal.via_key_sid is None and target.owner_account_sid == principal.account_sid:
            return principal
        raise authenticate_error()


def _check_secret(store, creds) -> Principal:
    if creds is None:
        raise authenticate_error()
    username, password = creds
    if username.startswith("SK"):
        key = store.keys.get(username)
        if key is None or not hmac.compare_digest(key.secret, password):
            raise authenticate_error()
        account = store.accounts.get(key.account_sid)
        principal = Principal(key.account_sid, key.sid)
    else:
        account = store.accounts.get(username)
        if account is None or not hmac.compare_digest(account.auth_token, password):
            raise authenticate_error()
        principal = Principal(account.sid)
    # A closed account's credentials stop working (docs/twilio-behaviour.md §4: 20003 covers
    # suspended/closed accounts).
    if account is None or account.status == "closed":
        raise authenticate_error()
    return principal


def check_suspended_write(store, principal: Principal, method: str, path: str) -> None:
    """A suspended account's own credentials may read but not change anything.

    DESIGN choice (docs/twilio-behaviour.md §4 marks the exact code UNCONFIRMED): writes on 2010
    resources answer 401/20003; message sends answer 401/10001 "Account not active".
    """
    if method not in ("POST", "DELETE") or not path.startswith("/2010-04-01/"):
        return
    if ACCOUNT_UPDATE.fullmatch(path):
        # Status changes have their own codes (21476/21478); the accounts
        # resource applies them.
        return
    with store.lock:
        account = store.accounts.get(principal.account_sid)
        if account is None or store.effective_status(account) == "active":
            return
    if method == "POST" and path.endswith("/Messages.json"):
        raise ApiError(401, 10001, "Account is not active")
    raise authenticate_error()
