"""AvailablePhoneNumbers: countries, one country, and Local / Mobile / TollFree searches.

The pool is generated, not stored: for an area code A the i-th number is
+1 A (200 + i % 800) ((37 i + A) % 10000), i < 1000, so searches repeat
exactly and the numbers bought from them match. Numbers any account owns are
left out. Countries: US and CA (Local, TollFree 800/833/844/855/866/877/888)
and GB (Local +44 20 7946 0xxx, Mobile +44 7700 900xxx, TollFree +44 808 157 0xxx).
Results come as a single page (Twilio does not page number searches).
"""

from ..errors import ApiError
from ..routing import ACCOUNT
from ..wire import Response, page_2010
from .numbering import API, TOLL_FREE_AREA_CODES, capabilities_for, friendly, number_type

COUNTRIES_PATH = ACCOUNT + r"/AvailablePhoneNumbers\.json"
COUNTRY_PATH = ACCOUNT + r"/AvailablePhoneNumbers/(?P<CountryCode>[^/.]+)\.json"
SEARCH_PATH = ACCOUNT + r"/AvailablePhoneNumbers/(?P<CountryCode>[^/.]+)/(?P<Type>Local|Mobile|TollFree)\.json"

POOL_SIZE = 1000
COUNTRIES = {
    "US": ("United States", ("Local", "TollFree")),
    "CA": ("Canada", ("Local", "TollFree")),
    "GB": ("United Kingdom", ("Local", "Mobile", "TollFree")),
}
TYPE_KEYS = {"Local": "local", "Mobile": "mobile", "TollFree": "toll_free"}
DEFAULT_AREAS = {
    "US": ("415", "212", "312", "206", "512", "617", "720", "305"),
    "CA": ("416", "604", "514", "403"),
}
# area code -> (locality, region, rate center, LATA, postal code, latitude, longitude)
PLACES = {
    "415": ("San Francisco", "CA", "SNFC CNTRL", "722", "94105", 37.7749, -122.4194),
    "212": ("New York", "NY", "NWYRCYZN01", "132", "10001", 40.7128, -74.006),
    "312": ("Chicago", "IL", "CHICAGO", "358", "60601", 41.8781, -87.6298),
    "206": ("Seattle", "WA", "SEATTLE", "674", "98101", 47.6062, -122.3321),
    "512": ("Austin", "TX", "AUSTIN", "558", "78701", 30.2672, -97.7431),
    "617": ("Boston", "MA", "BOSTON", "128", "02108", 42.3601, -71.0589),
    "720": ("Denver", "CO", "DENVER", "656", "80202", 39.7392, -104.9903),
    "305": ("Miami", "FL", "MIAMI", "460", "33101", 25.7617, -80.1918),
    "416": ("Toronto", "ON", "TORONTO", "888", "M5H", 43.6532, -79.3832),
    "604": ("Vancouver", "BC", "VANCOUVER", "888", "V6B", 49.2827, -123.1207),
    "514": ("Montreal", "QC", "MONTREAL", "888", "H2Y", 45.5017, -73.5673),
    "403": ("Calgary", "AB", "CALGARY", "888", "T2P", 51.0447, -114.0719),
}
KEYPAD = {letter: digit for digit, letters in {
    "2": "ABC", "3": "DEF", "4": "GHI", "5": "JKL", "6": "MNO", "7": "PQRS", "8": "TUV", "9": "WXYZ",
}.items() for letter in letters}


def register(router, sandbox) -> None:
    store = sandbox.store
    router.add("GET", COUNTRIES_PATH, list_countries)
    router.add("GET", COUNTRY_PATH, fetch_country)
    router.add("GET", SEARCH_PATH, lambda r: search(store, r))


def area_pool(area_code: str):
    """The deterministic numbers of one US/CA area code (local or toll-free)."""
    base = int(area_code)
    for i in range(POOL_SIZE):
        yield f"+1{area_code}{200 + i % 800}{(37 * i + base) % 10000:04d}"


def _gb_pool(kind: str):
    """Ofcom's ranges reserved for drama: they never ring anyone."""
    prefix = {"Local": "+442079460", "Mobile": "+447700900", "TollFree": "+448081570"}[kind]
    for i in range(1000):
        yield f"{prefix}{i:03d}"


def _country(request) -> tuple[str, str, tuple]:
    code = request.params["CountryCode"].upper()
    if code not in COUNTRIES:
        raise ApiError(404, 20404, f"The requested resource {request.path} was not found")
    name, types = COUNTRIES[code]
    return code, name, types


def _country_json(account_sid: str, code: str) -> dict:
    name, types = COUNTRIES[code]
    base = f"{API}/Accounts/{account_sid}/AvailablePhoneNumbers/{code}"
    return {
        "country_code": code, "country": name, "uri": base + ".json", "beta": False,
        "subresource_uris": {TYPE_KEYS[t]: f"{base}/{t}.json" for t in types},
    }


def list_countries(request) -> Response:
    account_sid = request.params["AccountSid"]
    # This list has only `countries` and `uri`, no paging fields (docs/twilio-behaviour.md §2).
    return Response(200, {
        "countries": [_country_json(account_sid, code) for code in COUNTRIES],
        "uri": f"{API}/Accounts/{account_sid}/AvailablePhoneNumbers.json",
    })


def fetch_country(request) -> Response:
    code, _name, _types = _country(request)
    return Response(200, _country_json(request.params["AccountSid"], code))


def search(store, request) -> Response:
    code, _name, types = _country(request)
    kind = request.params["Type"]
    if kind not in types:
        raise ApiError(404, 20404, f"The requested resource {request.path} was not found")
    wanted = _size(request)
    accept = _filter(request)
    with store.lock:
        owned = {n.phone_number for n in store.numbers.values()}
    found = []
    for phone_number in _candidates(code, kind, request.arg("AreaCode")):
        if phone_number in owned:
            continue
        record = _record(phone_number, code)
        if accept(record):
            found.append(record)
            if len(found) >= wanted:
                break
    uri_path = f"{API}/Accounts/{request.params['AccountSid']}/AvailablePhoneNumbers/{code}/{kind}.json"
    return Response(200, page_2010(request, found, "available_phone_numbers", uri_path=uri_path))


def _size(request) -> int:
    try:
        return min(max(int(request.arg("PageSize") or 50), 1), 1000)
    except ValueError:
        raise ApiError(400, 20001, "Invalid PageSize") from None


def _candidates(code: str, kind: str, area_code: str | None):
    if code == "GB":
        yield from _gb_pool(kind)
        return
    if kind == "TollFree":
        areas = TOLL_FREE_AREA_CODES
    else:
        areas = tuple(a for a in DEFAULT_AREAS[code] if a not in TOLL_FREE_AREA_CODES)
    if area_code:
        areas = (area_code,) if area_code in areas or (kind == "Local" and area_code.isdigit()
                                                          and len(area_code) == 3
                                                          and area_code not in TOLL_FREE_AREA_CODES) else ()
    for area in areas:
        yield from area_pool(area)


def _record(phone_number: str, country: str) -> dict:
    place = PLACES.get(phone_number[2:5]) if phone_number.startswith("+1") else None
    locality, region, rate_center, lata, postal, lat, lon = place or (None,) * 7
    caps = capabilities_for(phone_number)
    if country == "GB":
        locality, region = ("London", "GB-LND") if number_type(phone_number) == "local" else (None, None)
    return {
        "friendly_name": friendly(phone_number), "phone_number": phone_number,
        "lata": lata, "locality": locality, "rate_center": rate_center,
        "latitude": lat, "longitude": lon, "region": region, "postal_code": postal,
        "iso_country": country,
        "address_requirements": "any" if country == "GB" else "none",
        "beta": False,
        # Live Twilio spells SMS/MMS in capitals here; the OpenAPI schema (our
        # contract) names them in lower case, so the sandbox follows the schema.
        "capabilities": dict(caps),
    }


def _filter(request):
    contains = _contains_pattern(request.arg("Contains"))
    checks = []
    for param, key in (("SmsEnabled", "sms"), ("MmsEnabled", "mms"), ("VoiceEnabled", "voice"),
                       ("FaxEnabled", "fax")):
        value = request.arg(param)
        if value:
            expected = value.lower() == "true"
            checks.append(lambda rec, key=key, expected=expected: rec["capabilities"][key] == expected)
    if (request.arg("ExcludeAllAddressRequired") or "").lower() == "true":
        checks.append(lambda rec: rec["address_requirements"] == "none")
    if (request.arg("ExcludeLocalAddressRequired") or "").lower() == "true":
        checks.append(lambda rec: rec["address_requirements"] != "local")
    for param, key in (("InRegion", "region"), ("InPostalCode", "postal_code"),
                       ("InLocality", "locality"), ("InRateCenter", "rate_center"), ("InLata", "lata")):
        value = request.arg(param)
        if value:
            checks.append(lambda rec, key=key, value=value: (rec[key] or "").lower() == value.lower())
    if contains is not None:
        checks.append(lambda rec: contains(rec["phone_number"][1:]))
    return lambda rec: all(check(rec) for check in checks)


def _contains_pattern(text: str | None):
    """Contains: digits, keypad letters and '*' for any digit, matched anywhere in the number."""
    if not text:
        return None
    text = text.strip().lstrip("+").upper()
    pattern = [KEYPAD.get(ch, ch) for ch in text]
    if not all(ch.isdigit() or ch == "*" for ch in pattern):
        raise ApiError(400, 20001, f"Contains {text} is not a valid pattern.")
    width = len(pattern)

    def matches(digits: str) -> bool:
        for start in range(len(digits) - width + 1):
            if all(p == "*" or p == d for p, d in zip(pattern, digits[start:start + width])):
                return True
        return False
    return matches
