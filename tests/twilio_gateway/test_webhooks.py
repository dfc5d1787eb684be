"""Signature checks: one HMAC settles a request signed over our URL; the port variants Twilio may sign still
pass; anything else is refused without raising."""

from urllib.parse import urlencode

from django.http import QueryDict

from owlie_portal.twilio_gateway.webhooks import signature_valid
from twilio_sandbox.delivery import sign

TOKEN = "f" * 32
PARAMS = {"MessageSid": "SM" + "1" * 32, "AccountSid": "AC" + "2" * 32, "Body": "STOP", "From": "+14155550123"}


def _check(url: str, signature: str, params=PARAMS) -> bool:
    return signature_valid(url=url, params=QueryDict(urlencode(params)), signature=signature, auth_token=TOKEN)


def test_a_request_signed_over_our_url_or_its_default_port_variant_is_valid():
    assert _check("https://portal.example/twilio/inbound/", sign("https://portal.example/twilio/inbound/", PARAMS, TOKEN))
    assert _check("https://portal.example/twilio/inbound/", sign("https://portal.example:443/twilio/inbound/", PARAMS, TOKEN))
    assert _check("https://portal.example:443/twilio/inbound/", sign("https://portal.example/twilio/inbound/", PARAMS, TOKEN))


def test_forged_tampered_empty_or_non_ascii_signatures_are_refused():
    url = "https://portal.example/twilio/inbound/"
    good = sign(url, PARAMS, TOKEN)
    assert not _check(url, sign(url, PARAMS, "e" * 32))
    assert not _check(url, good, {**PARAMS, "Body": "START"})
    assert not _check(url + "?x=1", good)
    assert not _check(url, "")
    assert not _check(url, "sïgnature")
    assert not signature_valid(url=url, params=QueryDict(urlencode(PARAMS)), signature=good, auth_token="")
