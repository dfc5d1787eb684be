"""Phone-number facts shared by the number, message and inbound resources.

Capabilities are derived from the number itself so that a search result and
the number bought from it agree. Sandbox convention (not Twilio's): a US/CA
local number whose last four digits start with "00" (e.g. +14155550042) is
voice-only, so tests can meet 21606 / 21715 with a real purchase.
"""

import re

E164 = re.compile(r"\+[1-9]\d{6,14}")
TOLL_FREE_AREA_CODES = ("800", "833", "844", "855", "866", "877", "888")
API = "/2010-04-01"

# GSM 03.38: basic set (1 septet) and the extension table (2 septets, ESC + char).
GSM_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENDED = set("^{}\\[~]|€\f")


def is_e164(value: str | None) -> bool:
    return bool(value) and E164.fullmatch(value) is not None


def number_type(phone_number: str) -> str:
    """local | tollfree | mobile, as far as the sandbox's pools go."""
    if phone_number.startswith("+1") and phone_number[2:5] in TOLL_FREE_AREA_CODES:
        return "tollfree"
    if phone_number.startswith(("+44800", "+44808")):
        return "tollfree"
    if phone_number.startswith("+447"):
        return "mobile"
    return "local"


def capabilities_for(phone_number: str) -> dict:
    voice_only = (phone_number.startswith("+1") and number_type(phone_number) == "local"
                  and phone_number[-4:-2] == "00")
    return {"voice": True, "sms": not voice_only, "mms": not voice_only, "fax": False}


def friendly(phone_number: str) -> str:
    """Twilio's default friendly name: (415) 555-0123 for NANP, E.164 otherwise."""
    if phone_number.startswith("+1") and len(phone_number) == 12:
        digits = phone_number[2:]
        return f"({digits[:3]}) {digits[3:6]}-{digits[6:]}"
    return phone_number


def iso_country(phone_number: str) -> str:
    if phone_number.startswith("+44"):
        return "GB"
    if phone_number.startswith("+1") and phone_number[2:5] in CANADIAN_AREA_CODES:
        return "CA"
    return "US"


CANADIAN_AREA_CODES = ("204", "236", "250", "289", "306", "343", "403", "416", "418", "431",
                       "437", "438", "450", "506", "514", "519", "579", "581", "587", "604",
                       "613", "639", "647", "705", "709", "778", "780", "807", "819", "867",
                       "873", "902", "905")


def num_segments(body: str) -> int:
    """SMS segments: GSM-7 160 / 153 per part, otherwise UCS-2 70 / 67 per part."""
    if not body:
        return 1
    if all(ch in GSM_BASIC or ch in GSM_EXTENDED for ch in body):
        septets = sum(2 if ch in GSM_EXTENDED else 1 for ch in body)
        return 1 if septets <= 160 else -(-septets // 153)
    units = len(body.encode("utf-16-le")) // 2
    return 1 if units <= 70 else -(-units // 67)


def account_uri(account_sid: str) -> str:
    return f"{API}/Accounts/{account_sid}"
