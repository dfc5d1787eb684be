"""IncomingPhoneNumbers: list, buy, fetch, update (incl. transfer by AccountSid), release.

Buying follows the test-credential magic numbers of docs/twilio-behaviour.md §8: PhoneNumber
+15005550000 -> 21422, +15005550001 -> 21421; AreaCode 533 -> 21452, AreaCode
500 -> +15005550006. Any other valid E.164 number nobody owns can be bought.
A request with neither PhoneNumber nor AreaCode answers 21421 (UNCONFIRMED;
Twilio's code for that case is not documented (docs/twilio-behaviour.md §4)).

Transfer (docs/twilio-behaviour.md §5): only the parent's credentials (21474), only within one
parent's family (21473), only to an active account (21472). The number keeps
its SID, phone number, URLs and capabilities; it leaves its Messaging Service;
opt-outs are keyed by account so they stay behind.
"""

import re

from ..errors import ApiError
from ..routing import ACCOUNT, SEG
from ..wire import Response, json_object, json_value, now, new_sid, page_2010, page_json, rfc2822
from ..store import Number
from . import available_numbers
from .numbering import API, capabilities_for, friendly, is_e164, number_type

LIST = ACCOUNT + r"/IncomingPhoneNumbers\.json"
ITEM = ACCOUNT + rf"/IncomingPhoneNumbers/(?P<Sid>{SEG})\.json"

# Form parameters copied straight onto the Number (create and update).
TEXT_FIELDS = {
    "FriendlyName": "friendly_name",
    "SmsApplicationSid": "sms_application_sid",
    "SmsFallbackUrl": "sms_fallback_url",
    "SmsUrl": "sms_url",
    "StatusCallback": "status_callback",
    "VoiceApplicationSid": "voice_application_sid",
    "VoiceFallbackUrl": "voice_fallback_url",
    "VoiceUrl": "voice_url",
    "EmergencyStatus": "emergency_status",
    "EmergencyAddressSid": "emergency_address_sid",
    "TrunkSid": "trunk_sid",
    "VoiceReceiveMode": "voice_receive_mode",
    "IdentitySid": "identity_sid",
    "AddressSid": "address_sid",
    "BundleSid": "bundle_sid",
}
METHOD_FIELDS = {
    "SmsFallbackMethod": "sms_fallback_method",
    "SmsMethod": "sms_method",
    "StatusCallbackMethod": "status_callback_method",
    "VoiceFallbackMethod": "voice_fallback_method",
    "VoiceMethod": "voice_method",
}
# Empty strings in these would break the ^XX[0-9a-f]{32}$ patterns of the schema.
SID_FIELDS = ("sms_application_sid", "voice_application_sid", "trunk_sid", "address_sid",
              "identity_sid", "bundle_sid", "emergency_address_sid")


def register(router, sandbox) -> None:
    store = sandbox.store
    router.add("GET", LIST, lambda r: list_numbers(store, r))
    router.add("POST", LIST, lambda r: buy_number(store, r))
    router.add("GET", ITEM, lambda r: Response(200, to_json(_get(store, r))))
    router.add("POST", ITEM, lambda r: update_number(store, r))
    router.add("DELETE", ITEM, lambda r: release_number(store, r))


def to_json(n: Number) -> dict:
    uri = f"{API}/Accounts/{n.account_sid}/IncomingPhoneNumbers/{n.sid}"
    body = {
        "account_sid": n.account_sid, "address_requirements": n.address_requirements,
        "api_version": "2010-04-01", "beta": n.beta, "capabilities": dict(n.capabilities),
        "date_created": rfc2822(n.date_created), "date_updated": rfc2822(n.date_updated),
        "emergency_status": n.emergency_status, "emergency_address_status": n.emergency_address_status,
        "friendly_name": n.friendly_name, "origin": n.origin, "phone_number": n.phone_number,
        "sid": n.sid, "sms_fallback_method": n.sms_fallback_method, "sms_fallback_url": n.sms_fallback_url,
        "sms_method": n.sms_method, "sms_url": n.sms_url, "status_callback": n.status_callback,
        "status_callback_method": n.status_callback_method, "voice_receive_mode": n.voice_receive_mode,
        "voice_caller_id_lookup": n.voice_caller_id_lookup, "voice_fallback_method": n.voice_fallback_method,
        "voice_fallback_url": n.voice_fallback_url, "voice_method": n.voice_method, "voice_url": n.voice_url,
        "status": n.status, "type": n.type, "uri": uri + ".json",
    }
    for name in SID_FIELDS:
        body[name] = getattr(n, name) or None
    return body


def record_text(n: Number) -> tuple[str, ...]:
    """``to_json(n)`` as pieces of the JSON text the server's encoder writes for it (a 1,000-number page
    spent half its time building dicts and encoding them). Pieces under 512 bytes: the allocator keeps
    them instead of handing large blocks back to the OS after every answer."""
    v = json_value
    uri = f"{API}/Accounts/{n.account_sid}/IncomingPhoneNumbers/{n.sid}.json"
    return (
        f'{{"account_sid": {v(n.account_sid)}, "address_requirements": {v(n.address_requirements)}, '
        f'"api_version": "2010-04-01", "beta": {v(n.beta)}, "capabilities": {json_object(n.capabilities)}, '
        f'"date_created": {v(rfc2822(n.date_created))}, "date_updated": {v(rfc2822(n.date_updated))}, '
        f'"emergency_status": {v(n.emergency_status)}, "emergency_address_status": {v(n.emergency_address_status)}, ',
        f'"friendly_name": {v(n.friendly_name)}, "origin": {v(n.origin)}, "phone_number": {v(n.phone_number)}, '
        f'"sid": {v(n.sid)}, "sms_fallback_method": {v(n.sms_fallback_method)}, '
        f'"sms_fallback_url": {v(n.sms_fallback_url)}, "sms_method": {v(n.sms_method)}, "sms_url": {v(n.sms_url)}, ',
        f'"status_callback": {v(n.status_callback)}, "status_callback_method": {v(n.status_callback_method)}, '
        f'"voice_receive_mode": {v(n.voice_receive_mode)}, "voice_caller_id_lookup": {v(n.voice_caller_id_lookup)}, '
        f'"voice_fallback_method": {v(n.voice_fallback_method)}, "voice_fallback_url": {v(n.voice_fallback_url)}, '
        f'"voice_method": {v(n.voice_method)}, "voice_url": {v(n.voice_url)}, ',
        f'"status": {v(n.status)}, "type": {v(n.type)}, "uri": {v(uri)}, '
        f'"sms_application_sid": {v(n.sms_application_sid or None)}, '
        f'"voice_application_sid": {v(n.voice_application_sid or None)}, "trunk_sid": {v(n.trunk_sid or None)}, '
        f'"address_sid": {v(n.address_sid or None)}, "identity_sid": {v(n.identity_sid or None)}, '
        f'"bundle_sid": {v(n.bundle_sid or None)}, "emergency_address_sid": {v(n.emergency_address_sid or None)}}}',
    )


def owned_numbers(store) -> set[str]:
    """Every phone number some account holds (caller holds the lock)."""
    return {n.phone_number for n in store.numbers.values()}


def find_by_phone(store, phone_number: str) -> Number | None:
    for number in store.numbers.values():
        if number.phone_number == phone_number:
            return number
    return None


def _get(store, request) -> Number:
    with store.lock:
        number = store.numbers.get(request.params["Sid"])
        if number is None or number.account_sid != request.params["AccountSid"]:
            raise ApiError(404, 20404, f"The requested resource {request.path} was not found")
        return number


def list_numbers(store, request) -> Response:
    account_sid = request.params["AccountSid"]
    matcher = _phone_matcher(request.arg("PhoneNumber"))
    friendly_name = request.arg("FriendlyName")
    origin = request.arg("Origin")
    with store.lock:
        items = [n for n in store.numbers.of_account(account_sid)
                 if (matcher is None or matcher.search(n.phone_number))
                 and (friendly_name is None or n.friendly_name == friendly_name)
                 and (origin is None or n.origin == origin)]
        page = page_2010(request, items, "incoming_phone_numbers", render=record_text,
                         uri_path=f"{API}/Accounts/{account_sid}/IncomingPhoneNumbers.json")
    return Response(200, page_json(page, "incoming_phone_numbers"))


def _phone_matcher(pattern: str | None):
    """Partial match where '*' stands for any one digit (docs/twilio-behaviour.md §10)."""
    if not pattern or not pattern.strip():
        return None
    # A bare '+' sent unencoded arrives as a space; matching by substring makes it harmless.
    text = pattern.strip()
    return re.compile("".join(r"\d" if ch == "*" else re.escape(ch) for ch in text))


def buy_number(store, request) -> Response:
    account_sid = request.params["AccountSid"]
    with store.lock:
        phone_number = _choose_number(store, request)
        number = Number(sid=new_sid("PN"), account_sid=account_sid, phone_number=phone_number,
                        friendly_name=friendly(phone_number),
                        capabilities=capabilities_for(phone_number), type=number_type(phone_number))
        _apply_fields(number, request)
        store.numbers[number.sid] = number
        return Response(201, to_json(number))


def _choose_number(store, request) -> str:
    phone_number = request.arg("PhoneNumber")
    area_code = request.arg("AreaCode")
    if phone_number:
        return _check_requested(store, phone_number)
    if area_code:
        return _first_free_in_area(store, area_code)
    raise ApiError(400, 21421, "A 'PhoneNumber' or 'AreaCode' is required to buy a number.")


def _check_requested(store, phone_number: str) -> str:
    if phone_number == "+15005550000":
        raise ApiError(400, 21422, f"{phone_number} is not available.")
    if phone_number == "+15005550001" or not is_e164(phone_number):
        raise ApiError(400, 21421, f"PhoneNumber {phone_number} is invalid.")
    if find_by_phone(store, phone_number) is not None:
        raise ApiError(400, 21422, f"{phone_number} is not available.")
    return phone_number


def _first_free_in_area(store, area_code: str) -> str:
    none_left = ApiError(400, 21452, f"No phone numbers found in area code {area_code}.")
    if area_code == "533":
        raise none_left
    if area_code == "500":
        if find_by_phone(store, "+15005550006") is not None:
            raise none_left
        return "+15005550006"
    if not re.fullmatch(r"[2-9]\d\d", area_code):
        raise ApiError(400, 21451, f"AreaCode {area_code} is invalid.")
    owned = owned_numbers(store)
    for candidate in available_numbers.area_pool(area_code):
        if candidate not in owned:
            return candidate
    raise none_left


def _apply_fields(number: Number, request) -> None:
    for param, attr in TEXT_FIELDS.items():
        if request.has(param):
            setattr(number, attr, request.arg(param, ""))
    for param, attr in METHOD_FIELDS.items():
        if request.has(param):
            setattr(number, attr, (request.arg(param) or "POST").upper())
    if request.has("VoiceCallerIdLookup"):
        number.voice_caller_id_lookup = (request.arg("VoiceCallerIdLookup") or "").lower() == "true"


def update_number(store, request) -> Response:
    with store.lock:
        number = _get(store, request)
        target = request.arg("AccountSid")
        if target and target != number.account_sid:
            _transfer(store, request.principal, number, target)
        _apply_fields(number, request)
        number.date_updated = now()
        return Response(200, to_json(number))


def _transfer(store, principal, number: Number, target_sid: str) -> None:
    actor = store.accounts.get(principal.account_sid)
    if actor is None or not actor.is_parent:
        raise ApiError(400, 21474, "The API user must be the parent account to transfer phone numbers.")
    owner = store.accounts.get(number.account_sid)
    target = store.accounts.get(target_sid)
    if not (_in_family(actor, owner) and _in_family(actor, target)):
        raise ApiError(400, 21473, f"Account {target_sid} is neither the parent nor a subaccount "
                                   f"of the parent of the current owner of this number.")
    if store.effective_status(target) != "active":
        raise ApiError(400, 21472, f"Account {target_sid} is not active.")
    store.numbers.move(number, target.sid)
    # Service membership belongs to the old account (docs/twilio-behaviour.md §5, UNCONFIRMED):
    # the number arrives outside any Messaging Service.
    number.service_sid = None
    number.service_added_at = None


def _in_family(parent, account) -> bool:
    return account is not None and (account.sid == parent.sid or account.owner_account_sid == parent.sid)


def release_number(store, request) -> Response:
    with store.lock:
        number = _get(store, request)
        # The membership lives on the Number, so deleting it also leaves the service.
        del store.numbers[number.sid]
    return Response(204, None)
