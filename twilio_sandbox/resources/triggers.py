"""Usage Triggers: create, list (Recurring / TriggerBy / UsageCategory filters), fetch, update, delete.

``current_value`` is computed from the same numbers as the usage records, over
the trigger's recurring period (today / this month / this year / all time). A
TriggerValue of "+N" is stored as the current value plus N (docs/twilio-behaviour.md §10).
A non-recurring trigger reports ``recurring`` "alltime", the only enum value
that fits (the schema has no empty value). The sandbox never fires triggers.
Missing required parameters answer 400 / 20001 (UNCONFIRMED code).
"""

from datetime import date

from ..errors import ApiError
from ..routing import ACCOUNT, SEG
from ..store import Trigger
from ..wire import Response, new_sid, now, page_2010, rfc2822
from . import usage
from .numbering import API

LIST = ACCOUNT + r"/Usage/Triggers\.json"
ITEM = ACCOUNT + rf"/Usage/Triggers/(?P<Sid>{SEG})\.json"
RECURRING = ("daily", "monthly", "yearly", "alltime")
TRIGGER_BY = ("count", "usage", "price")
RECORD_PATHS = {"daily": "/Today", "monthly": "/ThisMonth", "yearly": "/Yearly", "alltime": "/AllTime", "": ""}


def register(router, sandbox) -> None:
    store = sandbox.store
    router.add("POST", LIST, lambda r: create_trigger(store, r))
    router.add("GET", LIST, lambda r: list_triggers(store, r))
    router.add("GET", ITEM, lambda r: fetch_trigger(store, r))
    router.add("POST", ITEM, lambda r: update_trigger(store, r))
    router.add("DELETE", ITEM, lambda r: delete_trigger(store, r))


def to_json(store, t: Trigger) -> dict:
    base = f"{API}/Accounts/{t.account_sid}/Usage"
    return {
        "account_sid": t.account_sid, "api_version": "2010-04-01",
        "callback_method": t.callback_method, "callback_url": t.callback_url,
        "current_value": current_value(store, t),
        "date_created": rfc2822(t.date_created), "date_fired": rfc2822(t.date_fired),
        "date_updated": rfc2822(t.date_updated), "friendly_name": t.friendly_name,
        "recurring": t.recurring or "alltime", "sid": t.sid, "trigger_by": t.trigger_by,
        "trigger_value": t.trigger_value, "uri": f"{base}/Triggers/{t.sid}.json",
        "usage_category": t.usage_category,
        "usage_record_uri": f"{base}/Records{RECORD_PATHS.get(t.recurring, '')}.json?Category={t.usage_category}",
    }


def current_value(store, t: Trigger) -> str:
    """The watched field of the watched category over the trigger's period (caller holds the lock)."""
    if t.usage_category not in usage.CATEGORIES or t.account_sid not in store.accounts:
        return "0"
    today = now().date()
    accounts = usage.account_scope(store, t.account_sid, True)
    start = {"daily": today, "monthly": usage.month_start(today),
             "yearly": date(today.year, 1, 1)}.get(t.recurring) or usage.first_activity(store, accounts, today)
    activity = usage.daily_activity(store, accounts, today)
    count, amount, price = usage.totals(store, activity, accounts, start, today)[t.usage_category]
    value = {"count": count, "usage": amount, "price": price}[t.trigger_by]
    return f"{value:g}" if isinstance(value, float) else str(value)


def _get(store, request) -> Trigger:
    trigger = store.triggers.get(request.params["Sid"])
    if trigger is None or trigger.account_sid != request.params["AccountSid"]:
        raise ApiError(404, 20404, f"The requested resource {request.path} was not found")
    return trigger


def _required(request, name: str) -> str:
    value = request.arg(name)
    if not value:
        raise ApiError(400, 20001, f"Missing required parameter {name} in the post body")
    return value


def _method(request, default: str = "POST") -> str:
    method = (request.arg("CallbackMethod") or default).upper()
    if method not in ("GET", "POST"):
        raise ApiError(400, 20001, f"Invalid CallbackMethod: {method}")
    return method


def create_trigger(store, request) -> Response:
    callback_url = _required(request, "CallbackUrl")
    trigger_value = _required(request, "TriggerValue")
    category = _required(request, "UsageCategory")
    recurring = request.arg("Recurring") or ""
    trigger_by = request.arg("TriggerBy") or "usage"
    if recurring and recurring not in RECURRING:
        raise ApiError(400, 20001, f"Invalid Recurring: {recurring}")
    if trigger_by not in TRIGGER_BY:
        raise ApiError(400, 20001, f"Invalid TriggerBy: {trigger_by}")
    with store.lock:
        trigger = Trigger(sid=new_sid("UT"), account_sid=request.params["AccountSid"],
                          friendly_name=request.arg("FriendlyName") or "", callback_url=callback_url,
                          callback_method=_method(request), usage_category=category,
                          recurring=recurring, trigger_by=trigger_by)
        trigger.trigger_value = _absolute_value(store, trigger, trigger_value)
        store.triggers[trigger.sid] = trigger
        return Response(201, to_json(store, trigger))


def _absolute_value(store, trigger: Trigger, raw: str) -> str:
    """'+30' means thirty more than now (docs/twilio-behaviour.md §10); a plain value must be a number."""
    text = raw.strip()
    try:
        amount = float(text)
    except ValueError:
        raise ApiError(400, 20001, f"Invalid TriggerValue: {raw}") from None
    if text.startswith("+"):
        amount += float(current_value(store, trigger))
    return f"{amount:g}"


def list_triggers(store, request) -> Response:
    account_sid = request.params["AccountSid"]
    recurring = request.arg("Recurring")
    trigger_by = request.arg("TriggerBy")
    category = request.arg("UsageCategory")
    with store.lock:
        items = [t for t in store.triggers.values()
                 if t.account_sid == account_sid
                 and (recurring is None or (t.recurring or "alltime") == recurring)
                 and (trigger_by is None or t.trigger_by == trigger_by)
                 and (category is None or t.usage_category == category)]
        page = page_2010(request, items, "usage_triggers", render=lambda t: to_json(store, t),
                         uri_path=f"{API}/Accounts/{account_sid}/Usage/Triggers.json")
    return Response(200, page)


def fetch_trigger(store, request) -> Response:
    with store.lock:
        return Response(200, to_json(store, _get(store, request)))


def update_trigger(store, request) -> Response:
    with store.lock:
        trigger = _get(store, request)
        if request.has("CallbackUrl"):
            trigger.callback_url = _required(request, "CallbackUrl")
        if request.has("CallbackMethod"):
            trigger.callback_method = _method(request)
        if request.has("FriendlyName"):
            trigger.friendly_name = request.arg("FriendlyName") or ""
        trigger.date_updated = now()
        return Response(200, to_json(store, trigger))


def delete_trigger(store, request) -> Response:
    with store.lock:
        trigger = _get(store, request)
        del store.triggers[trigger.sid]
    return Response(204, None)
