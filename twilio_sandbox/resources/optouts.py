"""Opt-out keywords and the control endpoint ``POST /_sandbox/inbound``.

Opt-outs live in ``store.optouts`` as (account_sid, scope, recipient) where the
scope is the Messaging Service SID when the sandbox number is in a service, else
the sandbox number itself (docs/twilio-behaviour.md §6). Keyed by account, they do not follow a
transferred number (project assumption of docs/twilio-behaviour.md §6, UNCONFIRMED).

Keywords (single word, trimmed, case-insensitive): STOP, UNSUBSCRIBE, END,
QUIT, STOPALL, REVOKE, OPTOUT, CANCEL opt out; START, YES, UNSTOP opt back in;
HELP and INFO change nothing but are reported as OptOutType=HELP (reported by
a third party only, UNCONFIRMED). The inbound webhook is still sent for them.

``POST /_sandbox/inbound`` (form or JSON: From, To, Body): an end user texts
the sandbox number ``To``. The sandbox records an inbound Message (status
``received``), applies the keywords, and POSTs a webhook signed with the owning
account's token to the service's InboundRequestUrl when the number is in a
service (unless the service says use_inbound_webhook_on_number), else to the
number's SmsUrl. Answers JSON: message_sid, account_sid, messaging_service_sid,
opt_out_type, webhook_url, webhook_status. Unknown To -> 404 / 20404.
"""

from ..errors import ApiError
from ..store import Message
from ..wire import Response, new_sid, now
from .control import values
from .numbering import num_segments

OPT_OUT = frozenset({"STOP", "UNSUBSCRIBE", "END", "QUIT", "STOPALL", "REVOKE", "OPTOUT", "CANCEL"})
OPT_IN = frozenset({"START", "YES", "UNSTOP"})
HELP = frozenset({"HELP", "INFO"})


def register(router, sandbox) -> None:
    router.add("POST", r"/_sandbox/inbound", lambda r: receive(sandbox, r), auth=False)


def keyword_type(body: str | None) -> str | None:
    """STOP / START / HELP when the body is exactly one such keyword, else None."""
    word = (body or "").strip().upper()
    if word in OPT_OUT:
        return "STOP"
    if word in OPT_IN:
        return "START"
    if word in HELP:
        return "HELP"
    return None


def scope_for_number(store, account_sid: str, phone_number: str) -> str:
    """The opt-out scope of a sender: its service if it has one, else the number."""
    for number in store.numbers.values():
        if number.phone_number == phone_number and number.account_sid == account_sid:
            return number.service_sid or phone_number
    return phone_number


def is_opted_out(store, account_sid: str, scope: str, recipient: str) -> bool:
    return (account_sid, scope, recipient) in store.optouts


def apply_keyword(store, account_sid: str, scope: str, recipient: str, kind: str | None) -> None:
    if kind == "STOP":
        store.optouts.add((account_sid, scope, recipient))
    elif kind == "START":
        store.optouts.discard((account_sid, scope, recipient))


def receive(sandbox, request) -> Response:
    form = values(request)
    sender, to, body = form.get("From"), form.get("To"), form.get("Body", "")
    if not sender or not to:
        raise ApiError(400, 20001, "From and To are required")
    store = sandbox.store
    with store.lock:
        number = next((n for n in store.numbers.values() if n.phone_number == to), None)
        if number is None:
            raise ApiError(404, 20404, f"No sandbox number {to}")
        kind = keyword_type(body)
        apply_keyword(store, number.account_sid, number.service_sid or number.phone_number, sender, kind)
        message = _record(store, number, sender, body)
        url, method = _webhook_target(store, number)
        token = store.accounts[number.account_sid].auth_token
        params = _webhook_params(message, kind)
    status = sandbox.delivery.send_inbound_webhook(url, params, token, method) if url else None
    return Response(200, {
        "message_sid": message.sid, "account_sid": message.account_sid,
        "messaging_service_sid": message.messaging_service_sid, "opt_out_type": kind,
        "webhook_url": url or None, "webhook_status": status,
    })


def _record(store, number, sender: str, body: str) -> Message:
    segments = num_segments(body)
    stamp = now()
    message = Message(
        sid=new_sid("SM"), account_sid=number.account_sid, to=number.phone_number, from_=sender,
        body=body, status="received", direction="inbound", messaging_service_sid=number.service_sid,
        num_segments=str(segments), price=f"{-0.0079 * segments:.5f}",
        date_created=stamp, date_updated=stamp, date_sent=stamp)
    store.messages[message.sid] = message
    return message


def _webhook_target(store, number) -> tuple[str | None, str]:
    service = store.services.get(number.service_sid or "")
    if service is not None and not service.use_inbound_webhook_on_number:
        return service.inbound_request_url, service.inbound_method or "POST"
    return number.sms_url or None, number.sms_method or "POST"


def _webhook_params(message: Message, kind: str | None) -> dict:
    params = {
        "MessageSid": message.sid, "SmsSid": message.sid, "SmsMessageSid": message.sid,
        "AccountSid": message.account_sid, "From": message.from_, "To": message.to,
        "Body": message.body, "NumMedia": "0", "NumSegments": message.num_segments,
        "SmsStatus": "received", "ApiVersion": "2010-04-01",
    }
    if message.messaging_service_sid:
        params["MessagingServiceSid"] = message.messaging_service_sid
    if kind is not None:
        params["OptOutType"] = kind
    return params
