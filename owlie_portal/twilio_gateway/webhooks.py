"""Checking that a webhook came from Twilio: X-Twilio-Signature over the public URL and the POST parameters,
with the auth token of the account the request names (docs/twilio-behaviour.md §7)."""

from __future__ import annotations

from twilio.request_validator import RequestValidator


def signature_valid(*, url: str, params: dict, signature: str, auth_token: str) -> bool:
    """True when `signature` is Twilio's HMAC of `url` + `params` under `auth_token`."""
    if not signature or not auth_token:
        return False
    return RequestValidator(auth_token).validate(url, params, signature)
