"""Messaging Services and messages. messaging.twilio.com acts on the account whose credentials are used, so a
subaccount's services need that subaccount's own credentials (docs/twilio-behaviour.md §5); messages are
sent as the subaccount too (its API key when it has one), never as the parent."""

from __future__ import annotations

from dataclasses import dataclass

from .calls import twilio_call
from .client import subaccount_client, subaccount_key_client
from .errors import TwilioPermanentError
from .records import MessageRecord, ServiceRecord, SubaccountCredentials


@dataclass(frozen=True)
class ServiceSettings:
    """What the portal sets on a service: its webhooks and the settings support staff care about."""

    inbound_request_url: str = ""
    status_callback: str = ""
    sticky_sender: bool = True
    area_code_geomatch: bool = True
    smart_encoding: bool = True
    validity_period: int = 36000


def _service_record(s) -> ServiceRecord:
    return ServiceRecord(
        sid=s.sid, account_sid=s.account_sid, friendly_name=s.friendly_name,
        inbound_request_url=s.inbound_request_url or "", status_callback=s.status_callback or "",
        sticky_sender=bool(s.sticky_sender), area_code_geomatch=bool(s.area_code_geomatch),
        smart_encoding=bool(s.smart_encoding), validity_period=int(s.validity_period or 0))


def service_create(*, credentials: SubaccountCredentials, friendly_name: str, inbound_url: str = "",
                   status_callback: str = "", settings: ServiceSettings | None = None) -> ServiceRecord:
    """Create a Messaging Service in the subaccount (its own credentials, never the parent's)."""
    client = subaccount_client(credentials)
    params = {"friendly_name": friendly_name}
    if settings is not None:
        inbound_url = settings.inbound_request_url or inbound_url
        status_callback = settings.status_callback or status_callback
        params.update(sticky_sender=settings.sticky_sender, area_code_geomatch=settings.area_code_geomatch,
                      smart_encoding=settings.smart_encoding, validity_period=settings.validity_period)
    if inbound_url:
        params["inbound_request_url"] = inbound_url
        params["inbound_method"] = "POST"
    if status_callback:
        params["status_callback"] = status_callback
    created = twilio_call(lambda: client.messaging.v1.services.create(**params),
                          idempotent=False, what="create a Messaging Service")
    return _service_record(created)


def service_add_number(*, credentials: SubaccountCredentials, service_sid: str, number_sid: str) -> None:
    client = subaccount_client(credentials)
    twilio_call(lambda: client.messaging.v1.services(service_sid).phone_numbers.create(phone_number_sid=number_sid),
                idempotent=False, what="add a number to a Messaging Service")


def services_list(*, credentials: SubaccountCredentials) -> list[ServiceRecord]:
    client = subaccount_client(credentials)
    found = twilio_call(lambda: client.messaging.v1.services.list(page_size=1000),
                        idempotent=True, what="list Messaging Services")
    return [_service_record(s) for s in found]


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


def _message_record(m) -> MessageRecord:
    return MessageRecord(
        sid=m.sid, account_sid=m.account_sid, to=m.to or "", from_=m.from_ or "", status=m.status or "",
        messaging_service_sid=m.messaging_service_sid or "", num_segments=int(m.num_segments or 0),
        price=m.price or "", error_code=m.error_code, date_created=m.date_created, date_sent=m.date_sent)


def message_send(*, credentials: SubaccountCredentials, service_sid: str, to: str, body: str,
                 status_callback: str = "") -> MessageRecord:
    """Send one SMS through a Messaging Service (MessagingServiceSid), authenticated as the subaccount."""
    client = subaccount_key_client(credentials)
    params = {"to": to, "body": body, "messaging_service_sid": service_sid}
    if status_callback:
        params["status_callback"] = status_callback
    sent = twilio_call(lambda: client.messages.create(**params), idempotent=False, what="send a message")
    return _message_record(sent)


def messages_to_list(*, credentials: SubaccountCredentials, to: str, limit: int = 50) -> list[MessageRecord]:
    """The subaccount's latest messages to one recipient (newest first): how a retry finds a lost send."""
    client = subaccount_key_client(credentials)
    found = twilio_call(lambda: client.messages.list(to=to, limit=limit), idempotent=True,
                        what="list messages")
    return [_message_record(m) for m in found]

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
