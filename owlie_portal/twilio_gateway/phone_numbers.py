"""Incoming phone numbers (parent credentials reach every subaccount's numbers, docs/twilio-behaviour.md §5)."""

from __future__ import annotations

from typing import Iterator

from .calls import twilio_call
from .errors import TwilioPermanentError
from .pages import json_pages
from .client import parent_client
from .records import AvailableNumberRecord, PhoneNumberRecord

NUMBER_TYPES = ("Local", "Mobile", "TollFree")


def _capability(capabilities: dict, name: str) -> bool:
    # IncomingPhoneNumbers spell them lower case; live AvailablePhoneNumbers answers use "SMS"/"MMS".
    return bool(capabilities.get(name) or capabilities.get(name.upper()))


def _from_json(item: dict) -> PhoneNumberRecord:
    """A record from one IncomingPhoneNumber as Twilio sends it (the SDK's attributes bear the same names)."""
    capabilities = item.get("capabilities") or {}
    return PhoneNumberRecord(
        sid=item.get("sid"), account_sid=item.get("account_sid"), phone_number=item.get("phone_number"),
        friendly_name=item.get("friendly_name") or "", sms=_capability(capabilities, "sms"),
        mms=_capability(capabilities, "mms"), voice=_capability(capabilities, "voice"),
        sms_url=item.get("sms_url") or "", sms_method=item.get("sms_method") or "",
        voice_url=item.get("voice_url") or "", voice_method=item.get("voice_method") or "",
        status_callback=item.get("status_callback") or "",
        address_requirements=str(item.get("address_requirements") or "none"),
    )


def _record(instance) -> PhoneNumberRecord:
    return _from_json(vars(instance))


def number_buy(*, account_sid: str, area_code: str = "", phone_number: str = "", sms_url: str = "",
               status_callback: str = "") -> PhoneNumberRecord:
    """Buy a number into `account_sid` (the parent or a subaccount) by area code or exact number.

    Parent credentials with the subaccount in the path buy straight into it (docs/twilio-behaviour.md §5).
    Not idempotent: after a lost answer, look for the number with `number_find` before buying again."""
    client = parent_client()
    params = {"area_code": area_code} if area_code else {"phone_number": phone_number}
    if sms_url:
        params.update(sms_url=sms_url, sms_method="POST")
    if status_callback:
        params.update(status_callback=status_callback, status_callback_method="POST")
    created = twilio_call(lambda: client.api.v2010.accounts(account_sid).incoming_phone_numbers.create(**params),
                          idempotent=False, what="buy a phone number")
    return _record(created)


def numbers_list(*, account_sid: str) -> list[PhoneNumberRecord]:
    client = parent_client()
    found = twilio_call(lambda: client.api.v2010.accounts(account_sid).incoming_phone_numbers.list(page_size=1000),
                        idempotent=True, what="list phone numbers")
    return [_record(n) for n in found]


def number_pages(*, account_sid: str, page_size: int = 1000) -> Iterator[list[PhoneNumberRecord]]:
    """Every number of one account, one IncomingPhoneNumbers-list request per page."""
    for items in json_pages(parent_client(), f"/2010-04-01/Accounts/{account_sid}/IncomingPhoneNumbers.json",
                            {"PageSize": page_size}, key="incoming_phone_numbers", what="list phone numbers"):
        yield [_from_json(item) for item in items]


def number_find(*, account_sid: str, phone_number: str) -> PhoneNumberRecord | None:
    """The number with exactly this E.164 form in `account_sid`, if that account holds it."""
    client = parent_client()
    found = twilio_call(lambda: client.api.v2010.accounts(account_sid).incoming_phone_numbers.list(
        phone_number=phone_number, limit=20), idempotent=True, what="look up a phone number")
    matches = [n for n in found if n.phone_number == phone_number]
    return _record(matches[0]) if matches else None


def number_fetch(*, account_sid: str, number_sid: str) -> PhoneNumberRecord:
    client = parent_client()
    found = twilio_call(lambda: client.api.v2010.accounts(account_sid).incoming_phone_numbers(number_sid).fetch(),
                        idempotent=True, what="read a phone number")
    return _record(found)


def number_release(*, account_sid: str, number_sid: str) -> bool:
    """Release (delete) a number. False when the account no longer holds it (20404): released already."""
    client = parent_client()
    try:
        twilio_call(lambda: client.api.v2010.accounts(account_sid).incoming_phone_numbers(number_sid).delete(),
                    idempotent=True, what="release a phone number")
    except TwilioPermanentError as error:
        if error.code == 20404:
            return False
        raise
    return True


def available_numbers_search(*, account_sid: str, country: str = "US", number_type: str = "Local",
                             area_code: str = "", contains: str = "", sms: bool = False, voice: bool = False,
                             limit: int = 20) -> list[AvailableNumberRecord]:
    """Numbers Twilio offers for sale (one request; Twilio does not page number searches)."""
    if number_type not in NUMBER_TYPES:
        raise ValueError(f"unknown number type {number_type!r}")
    client = parent_client()
    country_resource = client.api.v2010.accounts(account_sid).available_phone_numbers(country.upper())
    resource = {"Local": lambda: country_resource.local, "Mobile": lambda: country_resource.mobile,
                "TollFree": lambda: country_resource.toll_free}[number_type]()
    filters = {"limit": limit, "page_size": limit}
    if area_code:
        filters["area_code"] = int(area_code)
    if contains:
        filters["contains"] = contains
    if sms:
        filters["sms_enabled"] = True
    if voice:
        filters["voice_enabled"] = True
    found = twilio_call(lambda: resource.list(**filters), idempotent=True, what="search for numbers to buy")
    return [_available(n) for n in found]


def _available(instance) -> AvailableNumberRecord:
    capabilities = instance.capabilities or {}
    return AvailableNumberRecord(
        phone_number=instance.phone_number, friendly_name=instance.friendly_name or "",
        locality=instance.locality or "", region=instance.region or "", iso_country=instance.iso_country or "",
        sms=_capability(capabilities, "sms"), mms=_capability(capabilities, "mms"),
        voice=_capability(capabilities, "voice"), address_requirements=str(instance.address_requirements or "none"),
    )


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
