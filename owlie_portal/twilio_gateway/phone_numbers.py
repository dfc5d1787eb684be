"""Incoming phone numbers (parent credentials reach every subaccount's numbers, docs/twilio-behaviour.md §5)."""

from __future__ import annotations

from .calls import twilio_call
from .client import parent_client
from .records import PhoneNumberRecord


def _record(instance) -> PhoneNumberRecord:
    capabilities = instance.capabilities or {}
    return PhoneNumberRecord(
        sid=instance.sid, account_sid=instance.account_sid, phone_number=instance.phone_number,
        friendly_name=instance.friendly_name or "", sms=bool(capabilities.get("sms")),
        mms=bool(capabilities.get("mms")), voice=bool(capabilities.get("voice")), sms_url=instance.sms_url or "",
        sms_method=instance.sms_method or "", voice_url=instance.voice_url or "",
        voice_method=instance.voice_method or "", status_callback=instance.status_callback or "",
    )


def number_buy(*, account_sid: str, area_code: str = "", phone_number: str = "", sms_url: str = "") -> PhoneNumberRecord:
    """Buy a number into `account_sid` (the parent or a subaccount) by area code or exact number."""
    client = parent_client()
    params = {"area_code": area_code} if area_code else {"phone_number": phone_number}
    if sms_url:
        params["sms_url"] = sms_url
    created = twilio_call(lambda: client.api.v2010.accounts(account_sid).incoming_phone_numbers.create(**params),
                          idempotent=False, what="buy a phone number")
    return _record(created)


def numbers_list(*, account_sid: str) -> list[PhoneNumberRecord]:
    client = parent_client()
    found = twilio_call(lambda: client.api.v2010.accounts(account_sid).incoming_phone_numbers.list(page_size=1000),
                        idempotent=True, what="list phone numbers")
    return [_record(n) for n in found]


def number_fetch(*, account_sid: str, number_sid: str) -> PhoneNumberRecord:
    client = parent_client()
    found = twilio_call(lambda: client.api.v2010.accounts(account_sid).incoming_phone_numbers(number_sid).fetch(),
                        idempotent=True, what="read a phone number")
    return _record(found)


def number_transfer(*, number_sid: str, from_account_sid: str, to_account_sid: str) -> PhoneNumberRecord:
    """Move a number between the parent and a subaccount (parent credentials only, docs/twilio-behaviour.md §5).

    Not idempotent at the URL level: once moved, the number is no longer under the losing account
    (20404), so callers reconcile by looking where the number is before repeating."""
    client = parent_client()
    moved = twilio_call(
        lambda: client.api.v2010.accounts(from_account_sid).incoming_phone_numbers(number_sid)
        .update(account_sid=to_account_sid),
        idempotent=False, what="move a phone number",
    )
    return _record(moved)


def number_set_urls(*, account_sid: str, number_sid: str, urls: dict[str, str]) -> PhoneNumberRecord:
    """Set a number's routing (keys sms_url, sms_method, voice_url, voice_method, status_callback).

    Setting the same values again changes nothing, so a repeat after a lost answer is harmless."""
    client = parent_client()
    updated = twilio_call(
        lambda: client.api.v2010.accounts(account_sid).incoming_phone_numbers(number_sid).update(**urls),
        idempotent=True, what="restore a phone number's URLs",
    )
    return _record(updated)
