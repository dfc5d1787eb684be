"""``Sandbox``: the state plus the request pipeline (stats → faults → auth → route → handler)."""

import logging
import re
import time

from . import auth
from .errors import ApiError, DropConnection
from .faults import Faults
from .routing import Router
from .stats import Stats
from .store import DEFAULT_MAX_SUBACCOUNTS, Store
from .wire import Request, Response
from .delivery import Delivery
from .resources import (
    accounts, available_numbers, balance, control, incoming_numbers, keys, messages, optouts,
    services, triggers, usage,
)

log = logging.getLogger("twilio_sandbox")

RESOURCE_MODULES = (
    accounts, keys, balance, incoming_numbers, available_numbers, messages,
    services, usage, triggers, optouts, control,
)

# /2010-04-01/Accounts/{AC}.json and /2010-04-01/Accounts/{AC}/… name a target account.
TARGET_ACCOUNT = re.compile(r"/2010-04-01/Accounts/([^/]+?)(?:\.json)?(?:/.*)?")
CONTROL_PREFIX = "/_sandbox/"


class Sandbox:
    def __init__(self, *, account_sid: str | None = None, auth_token: str | None = None,
                 max_subaccounts: int = DEFAULT_MAX_SUBACCOUNTS):
        self.store = Store(account_sid, auth_token, max_subaccounts=max_subaccounts)
        self.faults = Faults()
        self.stats = Stats()
        self.router = Router()
        # Filled by the server when asked to record exchanges (contract tests).
        self.exchange_log: list | None = None
        # Set by SandboxServer once it has a port (for logs and helpers).
        self.url: str | None = None
        # Created before the resources register, so a module may keep a reference to it.
        self.delivery = Delivery(self)
        for module in RESOURCE_MODULES:
            module.register(self.router, self)

    @property
    def parent_sid(self) -> str:
        return self.store.parent_sid

    @property
    def parent_token(self) -> str:
        return self.store.parent_token

    def start(self) -> None:
        self.delivery.start()

    def stop(self) -> None:
        self.delivery.stop()

    def reset(self) -> None:
        """Back to just the parent: state, faults and stats."""
        self.delivery.clear()
        self.store.reset()
        self.faults.clear()
        self.stats.reset()

    # -- request pipeline ----------------------------------------------------

    def handle(self, request: Request) -> Response:
        if request.path.startswith(CONTROL_PREFIX):
            # The control API is not Twilio: no faults, no auth, not counted.
            return self._dispatch(request, check_auth=False)
        account = auth.credential_account(self.store, request.headers.get("authorization"))
        slot = account or "anonymous"
        in_flight = self.stats.enter(slot)
        timed_out = False
        try:
            self.faults.check_concurrency(in_flight)
            timed_out = self.faults.before(in_flight)
            response = self._dispatch(request, check_auth=True, targeted=bool(self.faults.targeted))
        except ApiError as error:
            response = error_response(error)
        finally:
            self.stats.leave(slot)
        self.stats.count_status(response.status)
        if timed_out:
            # The change is made; the answer comes after the client gave up.
            time.sleep(self.faults.read_timeout_delay())
        return response

    def _dispatch(self, request: Request, *, check_auth: bool, targeted: bool = False) -> Response:
        try:
            route, params = self.router.find(request.method, request.path)
        except ApiError as error:
            route, params, routing_error = None, {}, error
        else:
            routing_error = None
        request.endpoint = f"{request.method} {route.name if route else '<unmatched>'}"
        if check_auth:
            self.stats.count(request.endpoint)
        outcome = self.faults.take_targeted(request.endpoint) if targeted else None
        if outcome == "drop":
            raise DropConnection()
        if outcome == "500":
            return error_response(ApiError(500, 20500, "Internal Server Error"))
        response = self._route(request, route, params, routing_error, check_auth)
        if outcome == "lose_answer":
            raise DropConnection()  # the change is made; the client never hears of it
        return response

    def _route(self, request: Request, route, params, routing_error, check_auth: bool) -> Response:
        try:
            if check_auth and (route is None or route.auth):
                request.principal = self._authenticate(request)
            if routing_error is not None:
                raise routing_error
            request.params = params
            return route.handler(request)
        except ApiError as error:
            return error_response(error)
        except DropConnection:
            raise
        except Exception:  # a sandbox bug must still look like Twilio's 500
            log.exception("sandbox handler failed: %s %s", request.method, request.path)
            return error_response(ApiError(500, 20500, "Internal Server Error"))

    def _authenticate(self, request: Request) -> auth.Principal:
        target = None
        found = TARGET_ACCOUNT.fullmatch(request.path)
        if found:
            target = found.group(1)
        principal = auth.authenticate(self.store, request.headers.get("authorization"),
                                      target_account_sid=target,
                                      host="messaging" if request.path.startswith("/v1/") else "api")
        auth.check_suspended_write(self.store, principal, request.method, request.path)
        return principal


def error_response(error: ApiError) -> Response:
    return Response(error.status, error.body(), dict(error.headers))
