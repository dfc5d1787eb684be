"""Frozen values the gateway takes and returns. Never SDK objects; secrets are kept out of repr()."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class SubaccountCredentials:
    """What the gateway needs to act as a subaccount. Authentication uses the auth token for now."""

    account_sid: str
    auth_token: str = field(repr=False)
    api_key_sid: str = ""
    api_key_secret: str = field(default="", repr=False)


@dataclass(frozen=True)
class AccountRecord:
    sid: str
    friendly_name: str
    status: str
    owner_account_sid: str
    date_created: datetime | None = None
    date_updated: datetime | None = None
    auth_token: str = field(default="", repr=False)


@dataclass(frozen=True)
class ApiKeyRecord:
    sid: str
    friendly_name: str
    secret: str = field(default="", repr=False)


@dataclass(frozen=True)
class PhoneNumberRecord:
    sid: str
    account_sid: str
    phone_number: str
    friendly_name: str
    sms: bool
    mms: bool
    voice: bool
    sms_url: str = ""
    # What a move must keep (issue 9): the URLs and methods Twilio routes calls and messages to.
    sms_method: str = ""
    voice_url: str = ""
    voice_method: str = ""
    status_callback: str = ""
    address_requirements: str = "none"


@dataclass(frozen=True)
class AvailableNumberRecord:
    """A number Twilio offers for sale (AvailablePhoneNumbers search)."""

    phone_number: str
    friendly_name: str
    locality: str
    region: str
    iso_country: str
    sms: bool
    mms: bool
    voice: bool
    address_requirements: str = "none"


@dataclass(frozen=True)
class ServiceRecord:
    sid: str
    account_sid: str
    friendly_name: str
    inbound_request_url: str = ""
    status_callback: str = ""
    sticky_sender: bool = True
    area_code_geomatch: bool = True
    smart_encoding: bool = True
    validity_period: int = 36000


@dataclass(frozen=True)
class MessageRecord:
    sid: str
    account_sid: str
    to: str
    from_: str
    status: str
    messaging_service_sid: str = ""
    num_segments: int = 0
    price: str = ""
    error_code: int | None = None
    date_created: datetime | None = None
    date_sent: datetime | None = None
