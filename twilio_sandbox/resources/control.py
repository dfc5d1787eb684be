"""Control API under ``/_sandbox/`` (not Twilio): reset, state, stats, faults, config, Twilio-side suspension.

Unauthenticated, JSON in and out, untouched by faults. Documented in the package docstring.
"""

import json

from ..errors import ApiError, not_found
from ..routing import SEG
from ..wire import Response, form_bool, now


def values(request) -> dict:
    """Settings from a JSON body or from form/query fields (first value of each)."""
    if request.body and "json" in request.headers.get("content-type", ""):
        try:
            data = json.loads(request.body)
        except ValueError:
            raise ApiError(400, 20001, "Body is not valid JSON") from None
        if not isinstance(data, dict):
            raise ApiError(400, 20001, "Body must be a JSON object")
        return data
    merged = {name: vals[0] for name, vals in request.query.items() if vals}
    merged.update({name: vals[0] for name, vals in request.form.items() if vals})
    return merged


def register(router, sandbox) -> None:
    store = sandbox.store

    def reset(request):
        sandbox.reset()
        return Response(200, {"reset": True, "parent_sid": store.parent_sid})

    def state(request):
        data = store.to_snapshot(readable=True)
        data["faults"] = sandbox.faults.to_json()
        return Response(200, data)

    def suspend_by_twilio(request):
        return Response(200, set_twilio_suspension(store, request.params["Sid"], True))

    def unsuspend_by_twilio(request):
        return Response(200, set_twilio_suspension(store, request.params["Sid"], False))

    def suspension(request):
        # One-endpoint form: POST /_sandbox/accounts/{AC}/suspension suspended=true|false
        flag = form_bool(values(request).get("suspended"), True)
        return Response(200, set_twilio_suspension(store, request.params["Sid"], flag))

    def stats(request):
        return Response(200, sandbox.stats.to_json())

    def stats_reset(request):
        sandbox.stats.reset()
        return Response(200, sandbox.stats.to_json())

    def faults_get(request):
        return Response(200, sandbox.faults.to_json())

    def faults_set(request):
        try:
            sandbox.faults.configure(values(request))
        except ValueError as error:
            raise ApiError(400, 20001, str(error)) from None
        return Response(200, sandbox.faults.to_json())

    def faults_targeted(request):
        data = values(request)
        try:
            sandbox.faults.add_targeted(endpoint=str(data.get("endpoint", "")),
                                        outcome=str(data.get("outcome", "lose_answer")),
                                        count=_int(data.get("count", 1), "count"))
        except ValueError as error:
            raise ApiError(400, 20001, str(error)) from None
        return Response(200, sandbox.faults.to_json())

    def faults_clear(request):
        sandbox.faults.clear()
        return Response(200, sandbox.faults.to_json())

    def config_get(request):
        return Response(200, config_json(store))

    def config_set(request):
        data = values(request)
        with store.lock:
            if "max_subaccounts" in data:
                store.max_subaccounts = _int(data["max_subaccounts"], "max_subaccounts")
            if "balance" in data:
                store.balance = str(data["balance"])
        return Response(200, config_json(store))

    router.add("POST", r"/_sandbox/reset", reset, auth=False)
    router.add("GET", r"/_sandbox/state", state, auth=False)
    router.add("POST", rf"/_sandbox/accounts/(?P<Sid>{SEG})/suspend-by-twilio", suspend_by_twilio, auth=False)
    router.add("POST", rf"/_sandbox/accounts/(?P<Sid>{SEG})/unsuspend-by-twilio", unsuspend_by_twilio, auth=False)
    router.add("POST", rf"/_sandbox/accounts/(?P<Sid>{SEG})/suspension", suspension, auth=False)
    router.add("GET", r"/_sandbox/stats", stats, auth=False)
    router.add("POST", r"/_sandbox/stats/reset", stats_reset, auth=False)
    router.add("GET", r"/_sandbox/faults", faults_get, auth=False)
    router.add("POST", r"/_sandbox/faults", faults_set, auth=False)
    router.add("POST", r"/_sandbox/faults/targeted", faults_targeted, auth=False)
    router.add("DELETE", r"/_sandbox/faults", faults_clear, auth=False)
    router.add("POST", r"/_sandbox/faults/reset", faults_clear, auth=False)
    router.add("GET", r"/_sandbox/config", config_get, auth=False)
    router.add("POST", r"/_sandbox/config", config_set, auth=False)


def set_twilio_suspension(store, sid: str, suspended: bool) -> dict:
    """Suspend or reinstate an account as Twilio would (the parent cannot undo it: 21478)."""
    with store.lock:
        account = store.accounts.get(sid)
        if account is None:
            raise not_found(f"/_sandbox/accounts/{sid}")
        if account.status == "closed":
            raise ApiError(400, 21479, "The account is closed")
        account.suspended_by_twilio = suspended
        account.status = "suspended" if suspended else "active"
        account.date_updated = now()
        return {"sid": account.sid, "status": account.status, "suspended_by_twilio": suspended}


def config_json(store) -> dict:
    return {"max_subaccounts": store.max_subaccounts, "balance": store.balance,
            "parent_sid": store.parent_sid}


def _int(raw, name: str) -> int:
    try:
        return int(raw)
    except (TypeError, ValueError):
        raise ApiError(400, 20001, f"{name} must be an integer") from None
