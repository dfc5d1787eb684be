"""Messages: send, list with filters, fetch, redact / cancel, delete.

Validation order and codes (docs/twilio-behaviour.md §4, §8): To missing 21604, sender missing
21603, Body and MediaUrl missing 21602, Body over 1600 chars 21617, then the
magic To numbers (+15005550001 21211, ...0002 21612, ...0003 21408, ...0004
21610, ...0009 21614), an invalid To 21211, the magic From numbers
(+15005550001 21212, ...0007 21606, ...0008 21611; ...0006 always works), a
From the account does not own or that lacks SMS 21606, an opted-out recipient
21610. An unknown MessagingServiceSid answers 21701 (malformed: 21705).

Choices for UNCONFIRMED facts:
- a send for a suspended account answers 401 / 10001 (also when the parent's
  credentials act for a suspended subaccount);
- a Messaging Service with no numbers answers 400 / 21703;
- a non-empty Body on update answers 400 / 20001 (only "" redacts);
- ScheduleType=fixed without a Messaging Service answers 400 / 35118;
- while a service message is `accepted` (or `scheduled`) its `from` is null and
  `num_segments` is "0", as Twilio reports before it picks a sender; the sandbox
  picks the sender at create time (sticky per recipient) and reveals it on the
  next step.
"""

import time
import zlib
from datetime import date, datetime, timezone

from ..errors import ApiError
from ..routing import ACCOUNT, SEG
from ..store import Message
from ..wire import Response, new_sid, now, page_2010, rfc2822
from .numbering import API, is_e164, num_segments
from .optouts import is_opted_out, scope_for_number

LIST = ACCOUNT + r"/Messages\.json"
ITEM = ACCOUNT + rf"/Messages/(?P<Sid>{SEG})\.json"
MAX_BODY = 1600
TEST_FROM = "+15005550006"  # docs/twilio-behaviour.md §8: always a valid sender

MAGIC_TO = {
    "+15005550001": (21211, "The 'To' number {to} is not a valid phone number."),
    "+15005550002": (21612, "The 'To' phone number: {to}, is not currently reachable via SMS."),
    "+15005550003": (21408, "Permission to send an SMS has not been enabled for the region "
                            "indicated by the 'To' number: {to}."),
    "+15005550004": (21610, "Attempt to send to unsubscribed recipient"),
    "+15005550009": (21614, "'To' number {to} is not a valid mobile number"),
}
MAGIC_FROM = {
    "+15005550001": (21212, "The 'From' number {from_} is not a valid phone number, shortcode, "
                            "or alphanumeric sender ID."),
    "+15005550007": (21606, "The From phone number {from_} is not a valid, SMS-capable inbound "
                            "phone number or short code for your account."),
    "+15005550008": (21611, "This 'From' number has exceeded the maximum number of queued messages"),
}


def register(router, sandbox) -> None:
    store = sandbox.store
    router.add("POST", LIST, lambda r: create_message(sandbox, r))
    router.add("GET", LIST, lambda r: list_messages(store, r))
    router.add("GET", ITEM, lambda r: Response(200, to_json(_get(store, r))))
    router.add("POST", ITEM, lambda r: update_message(sandbox, r))
    router.add("DELETE", ITEM, lambda r: delete_message(sandbox, r))


def to_json(m: Message) -> dict:
    uri = f"{API}/Accounts/{m.account_sid}/Messages/{m.sid}"
    sender_pending = m.messaging_service_sid is not None and m.status in ("accepted", "scheduled")
    return {
        "account_sid": m.account_sid, "api_version": m.api_version, "body": m.body,
        "date_created": rfc2822(m.date_created), "date_sent": rfc2822(m.date_sent),
        "date_updated": rfc2822(m.date_updated), "direction": m.direction,
        "error_code": m.error_code, "error_message": m.error_message,
        "from": None if sender_pending else m.from_,
        "messaging_service_sid": m.messaging_service_sid, "num_media": m.num_media,
        "num_segments": "0" if sender_pending else m.num_segments,
        "price": m.price, "price_unit": m.price_unit, "sid": m.sid, "status": m.status,
        "subresource_uris": {"media": uri + "/Media.json", "feedback": uri + "/Feedback.json"},
        "to": m.to, "uri": uri + ".json",
    }


def _get(store, request) -> Message:
    with store.lock:
        message = store.messages.get(request.params["Sid"])
        if message is None or message.account_sid != request.params["AccountSid"]:
            raise ApiError(404, 20404, f"The requested resource {request.path} was not found")
        return message


# -- create -------------------------------------------------------------------

def create_message(sandbox, request) -> Response:
    store = sandbox.store
    account_sid = request.params["AccountSid"]
    to, from_, service_sid, body, media = _read_params(request)
    _check_to(to)
    with store.lock:
        _check_account_active(store, account_sid)
        service = _find_service(store, account_sid, service_sid) if service_sid else None
        sender = _sender(store, account_sid, from_, service, to)
        scope = service.sid if service is not None else scope_for_number(store, account_sid, sender)
        if is_opted_out(store, account_sid, scope, to):
            raise ApiError(400, 21610, "Attempt to send to unsubscribed recipient")
        message = Message(
            sid=new_sid("SM"), account_sid=account_sid, to=to, from_=sender, body=body,
            status="accepted" if service is not None else "queued",
            messaging_service_sid=service.sid if service is not None else None,
            num_segments=str(num_segments(body)), num_media=str(len(media)), media_urls=media,
            status_callback=request.arg("StatusCallback") or None)
        due = _schedule_time(request, message, service)
        store.messages[message.sid] = message
        sandbox.delivery.schedule(message.sid, at=due)
        return Response(201, to_json(message))


def _read_params(request):
    to = request.arg("To")
    if not to:
        raise ApiError(400, 21604, "A 'To' phone number is required.")
    from_ = request.arg("From") or None
    service_sid = request.arg("MessagingServiceSid") or None
    if from_ and from_.startswith("MG") and service_sid is None:
        # `From=MG…` is Twilio's shorthand for MessagingServiceSid.
        service_sid, from_ = from_, None
    if not from_ and not service_sid:
        raise ApiError(400, 21603, "A 'From' or 'MessagingServiceSid' parameter is required to send a message")
    body = request.arg("Body") or ""
    media = [url for url in request.args("MediaUrl") if url]
    if not body and not media and not request.arg("ContentSid"):
        raise ApiError(400, 21602, "Message body is required.")
    if len(body) > MAX_BODY:
        raise ApiError(400, 21617, "The concatenated message body exceeds the 1600 character limit.")
    return to, from_, service_sid, body, media


def _check_to(to: str) -> None:
    magic = MAGIC_TO.get(to)
    if magic is not None:
        raise ApiError(400, magic[0], magic[1].format(to=to))
    if not is_e164(to):
        raise ApiError(400, 21211, f"The 'To' number {to} is not a valid phone number.")


def _check_account_active(store, account_sid: str) -> None:
    account = store.accounts.get(account_sid)
    if account is None or store.effective_status(account) != "active":
        raise ApiError(401, 10001, "Account is not active")


def _find_service(store, account_sid: str, service_sid: str):
    if len(service_sid) != 34 or not service_sid.startswith("MG"):
        raise ApiError(400, 21705, "The Messaging Service Sid is invalid")
    service = store.services.get(service_sid)
    if service is None or service.account_sid != account_sid:
        raise ApiError(400, 21701, f"The Messaging Service {service_sid} does not exist")
    return service


def _sender(store, account_sid: str, from_: str | None, service, to: str) -> str:
    """The phone number the message goes out from."""
    if from_ is None:
        pool = [n for n in store.numbers.values()
                if n.service_sid == service.sid and n.account_sid == account_sid and n.capabilities.get("sms")]
        if not pool:
            raise ApiError(400, 21703, "The Messaging Service does not have a phone number available to send a message")
        # Sticky sender: one recipient keeps hearing from the same number.
        return pool[zlib.crc32(to.encode()) % len(pool)].phone_number
    magic = MAGIC_FROM.get(from_)
    if magic is not None:
        raise ApiError(400, magic[0], magic[1].format(from_=from_))
    if from_ == TEST_FROM:
        return from_
    if not is_e164(from_):
        raise ApiError(400, 21212, MAGIC_FROM["+15005550001"][1].format(from_=from_))
    for number in store.numbers.values():
        if number.phone_number == from_ and number.account_sid == account_sid and number.capabilities.get("sms"):
            return from_
    raise ApiError(400, 21606, MAGIC_FROM["+15005550007"][1].format(from_=from_))


def _schedule_time(request, message: Message, service) -> float | None:
    """Scheduled sends (ScheduleType=fixed + SendAt) wait; others go on the next tick."""
    if request.arg("ScheduleType") != "fixed":
        return None
    if service is None:
        raise ApiError(400, 35118, "MessagingServiceSid is required to schedule a message")
    send_at = _parse_when(request.arg("SendAt") or "", "SendAt")[0]
    if not isinstance(send_at, datetime):
        send_at = datetime(send_at.year, send_at.month, send_at.day, tzinfo=timezone.utc)
    message.status = "scheduled"
    return time.monotonic() + max((send_at - now()).total_seconds(), 0.0)


# -- list -----------------------------------------------------------------------

def list_messages(store, request) -> Response:
    account_sid = request.params["AccountSid"]
    to = request.arg("To")
    from_ = request.arg("From")
    sent_filter = _date_filter(request)
    with store.lock:
        # Newest first, like Twilio; the dict keeps creation order.
        items = [m for m in reversed(store.messages.values())
                 if m.account_sid == account_sid
                 and (to is None or m.to == to)
                 and (from_ is None or m.from_ == from_)
                 and (sent_filter is None or sent_filter(m.date_sent))]
        page = page_2010(request, items, "messages", render=to_json,
                         uri_path=f"{API}/Accounts/{account_sid}/Messages.json")
    return Response(200, page)


def _parse_when(text: str, name: str):
    """(value, is_date): accepts YYYY-MM-DD and YYYY-MM-DDTHH:MM:SSZ (docs/twilio-behaviour.md §3)."""
    try:
        if len(text) == 10:
            return date.fromisoformat(text), True
        return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc), False
    except ValueError:
        raise ApiError(400, 20001, f"Invalid {name}: {text}") from None


def _date_filter(request):
    """DateSent (same day), DateSent< (on or before), DateSent> (on or after)."""
    checks = []
    for name in ("DateSent", "DateSent<", "DateSent>"):
        text = request.arg(name)
        if text:
            value, is_date = _parse_when(text, name)
            checks.append(_date_check(name, value, is_date))
    if not checks:
        return None
    return lambda sent: sent is not None and all(check(sent) for check in checks)


def _date_check(name: str, value, is_date: bool):
    if name == "DateSent":
        day = value if is_date else value.date()
        return lambda sent: sent.date() == day
    if name == "DateSent<":
        return (lambda sent: sent.date() <= value) if is_date else (lambda sent: sent <= value)
    return (lambda sent: sent.date() >= value) if is_date else (lambda sent: sent >= value)


# -- update / delete -----------------------------------------------------------------

def update_message(sandbox, request) -> Response:
    store = sandbox.store
    with store.lock:
        message = _get(store, request)
        if request.has("Body"):
            if request.arg("Body"):
                raise ApiError(400, 20001, "Body can only be updated to an empty string (redaction).")
            message.body = ""
        status = request.arg("Status")
        if status:
            if status != "canceled" or message.status != "scheduled":
                raise ApiError(400, 30409, "This message cannot be canceled")
            message.status = "canceled"
            sandbox.delivery.forget(message.sid)
        message.date_updated = now()
        return Response(200, to_json(message))


def delete_message(sandbox, request) -> Response:
    with sandbox.store.lock:
        message = _get(sandbox.store, request)
        del sandbox.store.messages[message.sid]
    sandbox.delivery.forget(message.sid)
    return Response(204, None)
