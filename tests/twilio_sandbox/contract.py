"""Contract checks: recorded sandbox exchanges against Twilio's OpenAPI subsets.

``assert_exchanges_match_spec(exchanges)`` validates every request the
``twilio`` client sent and every response the sandbox gave (exchanges come
from ``running_sandbox(record_exchanges=True).exchange_log``):

* requests and 2xx responses with openapi-core 0.23 against the subset files;
* 2xx JSON bodies must also carry exactly the schema's properties — no extra
  keys (the client rejects unknown top-level keys in 2010 lists, docs/twilio-behaviour.md §2) and
  no missing ones (nullable fields are present as null);
* error responses must be Twilio's legacy body ``{code, message, more_info,
  status}`` without ``type``/``title`` (docs/twilio-behaviour.md §4).

Control-API exchanges (``/_sandbox/…``) are skipped: they are not Twilio.
"""

import json
import re
from functools import lru_cache
import os
from pathlib import Path
from urllib.parse import parse_qsl

from openapi_core import OpenAPI
from openapi_core.datatypes import RequestParameters
from werkzeug.datastructures import Headers, ImmutableMultiDict

# Twilio's OpenAPI subsets live in the team's shared/ folder beside the checkout (CI lays it there too).
_REPO = Path(__file__).resolve().parents[2]
SPEC_DIR = next((p for p in (Path(os.environ.get("OWLIE_TWILIO_OAI_DIR", "")), _REPO.parent / "shared" / "twilio-oai",
                             Path("/work/shared/twilio-oai")) if str(p) != "." and p.is_dir()),
                _REPO.parent / "shared" / "twilio-oai")
SPECS = {
    # path prefix -> (spec file, Twilio host the spec's servers name)
    "/2010-04-01/": ("twilio_api_v2010.subset.json", "https://api.twilio.com"),
    "/v1/": ("twilio_messaging_v1.subset.json", "https://messaging.twilio.com"),
}
ERROR_KEYS = {"code", "message", "more_info", "status"}


class SpecRequest:
    """openapi-core's Request protocol over a recorded exchange, on Twilio's real host."""

    def __init__(self, exchange, host_url: str):
        self.host_url = host_url
        self.path = exchange.path
        self.method = exchange.method.lower()
        self.body = exchange.request_body or None
        self.content_type = exchange.request_headers.get("content-type", "").lower()
        if not self.body:
            # The client sends a form Content-Type even on GETs (docs/twilio-behaviour.md §3);
            # with no body there is nothing for it to describe.
            self.content_type = ""
        self.parameters = RequestParameters(
            query=ImmutableMultiDict(parse_qsl(exchange.query_string, keep_blank_values=True)),
            header=Headers(exchange.request_headers),
            cookie=ImmutableMultiDict(),
            path={},
        )


class SpecResponse:
    def __init__(self, exchange):
        self.status_code = exchange.status
        self.data = exchange.response_body or None
        self.headers = Headers(exchange.response_headers)
        self.content_type = exchange.response_headers.get("content-type", "application/json").lower() \
            if self.data else ""


@lru_cache(maxsize=None)
def _openapi(filename: str) -> OpenAPI:
    return OpenAPI.from_file_path(str(SPEC_DIR / filename))


@lru_cache(maxsize=None)
def _raw_spec(filename: str) -> dict:
    return json.loads((SPEC_DIR / filename).read_text())


def _spec_for(path: str):
    for prefix, (filename, host) in SPECS.items():
        if path.startswith(prefix):
            return filename, host
    return None


def check_exchange(exchange) -> list[str]:
    """Problems with one exchange (empty list when it matches the spec)."""
    found = _spec_for(exchange.path)
    if found is None:
        return []
    filename, host = found
    label = f"{exchange.method} {exchange.path}?{exchange.query_string} -> {exchange.status}"
    problems = []
    openapi = _openapi(filename)
    request = SpecRequest(exchange, host)
    try:
        openapi.validate_request(request)
    except Exception as error:  # openapi-core raises a family of errors; report any
        problems.append(f"{label}: request invalid: {_describe(error)}")
    if exchange.status >= 400:
        problems.extend(f"{label}: {p}" for p in check_error_body(exchange))
        return problems
    try:
        openapi.validate_response(request, SpecResponse(exchange))
    except Exception as error:
        problems.append(f"{label}: response invalid: {_describe(error)}")
    problems.extend(f"{label}: {p}" for p in check_exact_keys(filename, exchange))
    return problems


def check_error_body(exchange) -> list[str]:
    try:
        body = json.loads(exchange.response_body)
    except ValueError:
        return ["error body is not JSON"]
    problems = []
    if set(body) - {"details"} != ERROR_KEYS:
        problems.append(f"error body keys {sorted(body)} are not {sorted(ERROR_KEYS)}")
    if not isinstance(body.get("code"), int) or body.get("status") != exchange.status:
        problems.append(f"error body code/status wrong: {body}")
    if body.get("more_info") != f"https://www.twilio.com/docs/errors/{body.get('code')}":
        problems.append(f"error more_info wrong: {body.get('more_info')}")
    return problems


def check_exact_keys(filename: str, exchange) -> list[str]:
    """Every object in the body has exactly its schema's properties."""
    schema = _response_schema(filename, exchange)
    if schema is None or not exchange.response_body:
        return []
    spec = _raw_spec(filename)
    return _compare_keys(spec, schema, json.loads(exchange.response_body), "body")


def _response_schema(filename: str, exchange):
    spec = _raw_spec(filename)
    for template, item in spec["paths"].items():
        if re.fullmatch(re.sub(r"\\{[^}]+\\}", "[^/]+", re.escape(template)), exchange.path):
            operation = item.get(exchange.method.lower(), {})
            response = operation.get("responses", {}).get(str(exchange.status), {})
            return response.get("content", {}).get("application/json", {}).get("schema")
    return None


def _resolve(spec: dict, schema: dict) -> dict:
    while "$ref" in schema:
        node = spec
        for part in schema["$ref"].lstrip("#/").split("/"):
            node = node[part]
        schema = node
    return schema


def _compare_keys(spec: dict, schema: dict, value, where: str) -> list[str]:
    schema = _resolve(spec, schema)
    problems = []
    if isinstance(value, dict) and "properties" in schema:
        expected = set(schema["properties"])
        extra, missing = set(value) - expected, expected - set(value)
        if extra:
            problems.append(f"{where}: keys not in the schema: {sorted(extra)}")
        if missing:
            problems.append(f"{where}: schema keys missing: {sorted(missing)}")
        for name in expected & set(value):
            problems.extend(_compare_keys(spec, schema["properties"][name], value[name], f"{where}.{name}"))
    elif isinstance(value, list) and "items" in schema:
        for index, item in enumerate(value[:3]):  # the shape repeats; three items are enough
            problems.extend(_compare_keys(spec, schema["items"], item, f"{where}[{index}]"))
    return problems


def _describe(error: Exception) -> str:
    """The error's class and schema messages; the full offending value is too long to read."""
    parts = [f"{type(error).__name__}: {str(error)[:200]}"]
    cause = error
    while cause is not None:
        for inner in getattr(cause, "schema_errors", None) or []:
            where = "/".join(str(p) for p in getattr(inner, "absolute_path", []))
            parts.append(f"  - {where}: {getattr(inner, 'message', inner)}")
        cause = cause.__cause__
    return "\n".join(parts)


def assert_exchanges_match_spec(exchanges) -> None:
    """Fail with every problem found in ``exchanges`` (requests and responses)."""
    exchanges = list(exchanges)
    problems = [p for exchange in exchanges for p in check_exchange(exchange)]
    checked = [e for e in exchanges if _spec_for(e.path)]
    assert checked, "no Twilio exchanges were recorded"
    assert not problems, "contract violations:\n" + "\n".join(problems)
