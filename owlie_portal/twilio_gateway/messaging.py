"""Messaging Services. messaging.twilio.com acts on the account whose credentials are used, so a
subaccount's services need that subaccount's own credentials (docs/twilio-behaviour.md §5)."""

from __future__ import annotations

from .calls import twilio_call
from .errors import TwilioPermanentError
from .client import subaccount_client
from .records import ServiceRecord, SubaccountCredentials


def service_create(*, credentials: SubaccountCredentials, friendly_name: str, inbound_url: str = "",
                   status_callback: str = "") -> ServiceRecord:
    client = subaccount_client(credentials)
    params = {"friendly_name": friendly_name}
    if inbound_url:
        params["inbound_request_url"] = inbound_url
    if status_callback:
        params["status_callback"] = status_callback
    created = twilio_call(lambda: client.messaging.v1.services.create(**params),
                          idempotent=False, what="create a Messaging Service")
    return ServiceRecord(sid=created.sid, account_sid=created.account_sid, friendly_name=created.friendly_name)


def service_add_number(*, credentials: SubaccountCredentials, service_sid: str, number_sid: str) -> None:
    client = subaccount_client(credentials)
    twilio_call(lambda: client.messaging.v1.services(service_sid).phone_numbers.create(phone_number_sid=number_sid),
                idempotent=False, what="add a number to a Messaging Service")


def services_list(*, credentials: SubaccountCredentials) -> list[ServiceRecord]:
    client = subaccount_client(credentials)
    found = twilio_call(lambda: client.messaging.v1.services.list(page_size=1000),
                        idempotent=True, what="list Messaging Services")
    return [ServiceRecord(sid=s.sid, account_sid=s.account_sid, friendly_name=s.friendly_name) for s in found]


def service_remove_number(*, credentials: SubaccountCredentials, service_sid: str, number_sid: str) -> bool:
    """Take a number out of a service; False when it was not in that service (Twilio 20404)."""
    client = subaccount_client(credentials)
    try:
        twilio_call(lambda: client.messaging.v1.services(service_sid).phone_numbers(number_sid).delete(),
                    idempotent=True, what="remove a number from a Messaging Service")
    except TwilioPermanentError as error:
        if error.code == 20404:
            return False
        raise
    return True


def service_numbers_list(*, credentials: SubaccountCredentials, service_sid: str) -> list[str]:
    """SIDs (PN…) of the phone numbers in one of the subaccount's Messaging Services."""
    client = subaccount_client(credentials)
    found = twilio_call(lambda: client.messaging.v1.services(service_sid).phone_numbers.list(page_size=1000),
                        idempotent=True, what="list a Messaging Service's numbers")
    return [n.sid for n in found]


def service_has_number(*, credentials: SubaccountCredentials, service_sid: str, number_sid: str) -> bool:
    """Whether the number is a sender of that service (one read; used to reconcile a lost add)."""
    client = subaccount_client(credentials)
    try:
        twilio_call(lambda: client.messaging.v1.services(service_sid).phone_numbers(number_sid).fetch(),
                    idempotent=True, what="read a Messaging Service's number")
    except TwilioPermanentError as error:
        if error.code == 20404:
            return False
        raise
    return True
