"""Reading a Twilio list as plain JSON pages, through the portal's client (budget, 20429 retries) and
`twilio_call` (the gateway's error family).

The SDK's page objects build an instance per item and parse fields the portal never reads (most of a sync's
CPU for a list of numbers), and turn prices into floats; a caller here turns each item into its own record.
"""

from __future__ import annotations

import json
from typing import Iterator

from twilio.base.exceptions import TwilioException

from .calls import twilio_call
from .errors import TwilioTransientError

API_ORIGIN = "https://api.twilio.com"  # rewritten to the sandbox by the HTTP client when configured
HEADERS = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"}  # as the SDK sends


def _page(client, url: str, params: dict | None, *, what: str, parse_float) -> dict:
    response = client.request("GET", url, params=params, headers=HEADERS)
    if response.status_code != 200:
        raise TwilioException("Unable to fetch page", response)  # what the SDK raises for a list: mapped by twilio_call
    try:
        return json.loads(response.text, parse_float=parse_float)
    except ValueError:
        raise TwilioTransientError(f"The answer from Twilio was cut off while trying to {what}.") from None


def json_pages(client, path: str, params: dict, *, key: str, what: str, parse_float=None) -> Iterator[list[dict]]:
    """The items under `key` of every page of the list at `path`, a page at a time, following next_page_uri."""
    url = API_ORIGIN + path
    while url:
        page = twilio_call(lambda: _page(client, url, params, what=what, parse_float=parse_float),
                           idempotent=True, what=what)
        yield page.get(key) or []
        next_page = page.get("next_page_uri")
        url, params = (API_ORIGIN + next_page if next_page else None), None
