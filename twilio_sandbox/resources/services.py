"""Messaging Services (messaging.twilio.com /v1/Services) and their PhoneNumbers.

v1 URLs carry no account: everything acts on the account whose credentials
authenticated (docs/twilio-behaviour.md §5), so a parent's credentials see only the parent's
services. Dates are ``%Y-%m-%dT%H:%M:%SZ``; lists page with ``meta`` and
absolute https://messaging.twilio.com URLs (docs/twilio-behaviour.md §2, §3).

Adding a number (docs/twilio-behaviour.md §5): one service per number 21712; at most 400 numbers
per service 21714; SMS or MMS capability required 21715. A PhoneNumberSid that
does not exist or belongs to another account answers 400 / 21421 ("invalid
Phone Number SID", the documented meaning of 21421). Adding a number already in
this very service answers 200 with the existing membership (UNCONFIRMED; the
spec lists both 201 and 200 for this operation). A suspended account's own
credentials cannot change services (401 / 20003, like the 2010 API).
"""

import re

from ..errors import ApiError
from ..routing import SEG
from ..store import Service
from ..wire import MESSAGING_BASE, Response, iso8601, new_sid, now, page_v1
from .numbering import iso_country

SERVICES = r"/v1/Services"
SERVICE = rf"/v1/Services/(?P<Sid>{SEG})"
NUMBERS = rf"/v1/Services/(?P<ServiceSid>{SEG})/PhoneNumbers"
NUMBER = rf"/v1/Services/(?P<ServiceSid>{SEG})/PhoneNumbers/(?P<Sid>{SEG})"

POOL_LIMIT = 400
TEXT_FIELDS = ("FriendlyName", "InboundRequestUrl", "FallbackUrl", "StatusCallback", "Usecase")
METHOD_FIELDS = ("InboundMethod", "FallbackMethod")
BOOL_FIELDS = ("StickySender", "MmsConverter", "SmartEncoding", "FallbackToLongCode",
               "AreaCodeGeomatch", "SynchronousValidation", "UseInboundWebhookOnNumber")
LINKS = {
    "chat_senders": "ChatSenders", "us_app_to_person": "Compliance/Usa2p",
    "us_app_to_person_usecases": "Compliance/Usa2p/Usecases", "short_codes": "ShortCodes",
    "alpha_senders": "AlphaSenders", "messages": "Messages", "phone_numbers": "PhoneNumbers",
    "channel_senders": "ChannelSenders", "destination_alpha_senders": "DestinationAlphaSenders",
}


def register(router, sandbox) -> None:
    store = sandbox.store
    router.add("GET", SERVICES, lambda r: list_services(store, r))
    router.add("POST", SERVICES, lambda r: create_service(store, r))
    router.add("GET", SERVICE, lambda r: Response(200, to_json(_service(store, r, r.params["Sid"]))))
    router.add("POST", SERVICE, lambda r: update_service(store, r))
    router.add("DELETE", SERVICE, lambda r: delete_service(store, r))
    router.add("GET", NUMBERS, lambda r: list_numbers(store, r))
    router.add("POST", NUMBERS, lambda r: add_number(store, r))
    router.add("GET", NUMBER, lambda r: Response(200, number_json(_member(store, r))))
    router.add("DELETE", NUMBER, lambda r: remove_number(store, r))


def snake(name: str) -> str:
    return re.sub(r"(?<!^)([A-Z])", r"_\1", name).lower()


def to_json(s: Service) -> dict:
    url = f"{MESSAGING_BASE}/v1/Services/{s.sid}"
    return {
        "sid": s.sid, "account_sid": s.account_sid, "friendly_name": s.friendly_name,
        "date_created": iso8601(s.date_created), "date_updated": iso8601(s.date_updated),
        "inbound_request_url": s.inbound_request_url, "inbound_method": s.inbound_method,
        "fallback_url": s.fallback_url, "fallback_method": s.fallback_method,
        "status_callback": s.status_callback, "sticky_sender": s.sticky_sender,
        "mms_converter": s.mms_converter, "smart_encoding": s.smart_encoding,
        "scan_message_content": s.scan_message_content, "fallback_to_long_code": s.fallback_to_long_code,
        "area_code_geomatch": s.area_code_geomatch, "synchronous_validation": s.synchronous_validation,
        "validity_period": s.validity_period, "url": url,
        "links": {key: f"{url}/{path}" for key, path in LINKS.items()},
        "usecase": s.usecase, "us_app_to_person_registered": s.us_app_to_person_registered,
        "use_inbound_webhook_on_number": s.use_inbound_webhook_on_number,
    }


def number_json(n) -> dict:
    caps = [label for key, label in (("mms", "MMS"), ("sms", "SMS"), ("voice", "Voice"))
            if n.capabilities.get(key)]
    added = n.service_added_at or n.date_created
    return {
        "sid": n.sid, "account_sid": n.account_sid, "service_sid": n.service_sid,
        "date_created": iso8601(added), "date_updated": iso8601(added),
        "phone_number": n.phone_number, "country_code": iso_country(n.phone_number),
        "capabilities": caps,
        "url": f"{MESSAGING_BASE}/v1/Services/{n.service_sid}/PhoneNumbers/{n.sid}",
    }


def _account(store, request) -> str:
    """v1 acts on the authenticating account; suspended ones may only read."""
    account_sid = request.principal.account_sid
    if request.method != "GET":
        account = store.accounts.get(account_sid)
        if account is None or store.effective_status(account) != "active":
            raise ApiError(401, 20003, "Authenticate")
    return account_sid


def _service(store, request, sid: str) -> Service:
    with store.lock:
        service = store.services.get(sid)
        if service is None or service.account_sid != _account(store, request):
            raise ApiError(404, 20404, f"The requested resource {request.path} was not found")
        return service


def _apply(service: Service, request) -> None:
    for param in TEXT_FIELDS:
        if request.has(param):
            setattr(service, snake(param), request.arg(param) or None)
    for param in METHOD_FIELDS:
        if request.has(param):
            setattr(service, snake(param), (request.arg(param) or "POST").upper())
    for param in BOOL_FIELDS:
        if request.has(param):
            setattr(service, snake(param), (request.arg(param) or "").lower() == "true")
    if request.has("ScanMessageContent"):
        value = request.arg("ScanMessageContent")
        if value not in ("inherit", "enable", "disable"):
            raise ApiError(400, 20001, f"Invalid ScanMessageContent: {value}")
        service.scan_message_content = value
    if request.has("ValidityPeriod"):
        service.validity_period = _validity(request.arg("ValidityPeriod"))
    if service.friendly_name is None or len(service.friendly_name) > 64:
        raise ApiError(400, 20001, "FriendlyName must be 1 to 64 characters")


def _validity(raw: str) -> int:
    try:
        value = int(raw)
    except (TypeError, ValueError):
        value = 0
    if not 1 <= value <= 36000:
        raise ApiError(400, 20001, "ValidityPeriod must be between 1 and 36000 seconds")
    return value


def list_services(store, request) -> Response:
    with store.lock:
        account_sid = _account(store, request)
        items = [s for s in store.services.values() if s.account_sid == account_sid]
        return Response(200, page_v1(request, items, "services", url_path=SERVICES, render=to_json))


def create_service(store, request) -> Response:
    if not request.arg("FriendlyName"):
        raise ApiError(400, 20001, "Missing required parameter FriendlyName in the post body")
    with store.lock:
        service = Service(sid=new_sid("MG"), account_sid=_account(store, request))
        _apply(service, request)
        store.services[service.sid] = service
        return Response(201, to_json(service))


def update_service(store, request) -> Response:
    with store.lock:
        service = _service(store, request, request.params["Sid"])
        _apply(service, request)
        service.date_updated = now()
        return Response(200, to_json(service))


def delete_service(store, request) -> Response:
    with store.lock:
        service = _service(store, request, request.params["Sid"])
        for number in store.numbers.values():
            if number.service_sid == service.sid:
                number.service_sid = None
                number.service_added_at = None
        del store.services[service.sid]
    return Response(204, None)


def _members(store, service_sid: str) -> list:
    return [n for n in store.numbers.values() if n.service_sid == service_sid]


def list_numbers(store, request) -> Response:
    with store.lock:
        service = _service(store, request, request.params["ServiceSid"])
        items = _members(store, service.sid)
        return Response(200, page_v1(request, items, "phone_numbers", render=number_json,
                                     url_path=f"/v1/Services/{service.sid}/PhoneNumbers"))


def add_number(store, request) -> Response:
    pn_sid = request.arg("PhoneNumberSid")
    if not pn_sid:
        raise ApiError(400, 20001, "Missing required parameter PhoneNumberSid in the post body")
    with store.lock:
        service = _service(store, request, request.params["ServiceSid"])
        number = store.numbers.get(pn_sid)
        if number is None or number.account_sid != service.account_sid:
            raise ApiError(400, 21421, f"Phone Number SID {pn_sid} is invalid")
        if number.service_sid == service.sid:
            return Response(200, number_json(number))
        if number.service_sid is not None:
            raise ApiError(400, 21712, "Phone Number or Short Code is associated with another Messaging Service.")
        if len(_members(store, service.sid)) >= POOL_LIMIT:
            raise ApiError(400, 21714, "Messaging Service Number Pool size limit reached")
        if not (number.capabilities.get("sms") or number.capabilities.get("mms")):
            raise ApiError(400, 21715, "Phone Number does not have correct Messaging Service capabilities")
        number.service_sid = service.sid
        number.service_added_at = now()
        return Response(201, number_json(number))


def _member(store, request):
    with store.lock:
        service = _service(store, request, request.params["ServiceSid"])
        number = store.numbers.get(request.params["Sid"])
        if number is None or number.service_sid != service.sid:
            raise ApiError(404, 20404, f"The requested resource {request.path} was not found")
        return number


def remove_number(store, request) -> Response:
    with store.lock:
        number = _member(store, request)
        # Leaving the service does not release the number (docs/twilio-behaviour.md §5).
        number.service_sid = None
        number.service_added_at = None
    return Response(204, None)
