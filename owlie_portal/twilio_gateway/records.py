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
