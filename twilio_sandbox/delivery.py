"""Message delivery: status progression, signed status callbacks and inbound webhooks.

A background thread moves each outbound message one status step per tick:

    queued (no service) / accepted (service) -> sending -> sent -> delivered

and POSTs a status callback for every status after the first one (Twilio sends
none for the initial status, docs/twilio-behaviour.md §7). Recipients chosen by the sandbox end
differently (sandbox convention, not Twilio's):

    To +15005550010 -> ... sent -> undelivered, ErrorCode 30003 (unreachable handset)
    To +15005550011 -> failed,                  ErrorCode 30008 (unknown error)

A message whose account is suspended or closed before it is sent fails with
30002 (docs/twilio-behaviour.md §4). Callbacks go to the message's StatusCallback, else to its
Messaging Service's status_callback, signed with the owning account's auth
token in ``X-Twilio-Signature`` (docs/twilio-behaviour.md §7). A callback that fails is logged and
dropped; it never changes the message.
"""

import base64
import hashlib
import hmac
import logging
import os
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

from .wire import now

log = logging.getLogger(__name__)

DEFAULT_STEP_SECONDS = float(os.environ.get("TWILIO_SANDBOX_DELIVERY_STEP", "0.2"))
CALLBACK_TIMEOUT_SECONDS = 5
API_VERSION = "2010-04-01"
SMS_PRICE_PER_SEGMENT = 0.0079  # USD, US long code, outbound and inbound

# Sandbox-only recipients whose delivery ends badly (status, error code, message).
BAD_RECIPIENTS = {
    "+15005550010": ("undelivered", 30003, "Unreachable destination handset"),
    "+15005550011": ("failed", 30008, "Unknown error"),
}
ACCOUNT_INACTIVE = ("failed", 30002, "Account suspended")

IN_FLIGHT = ("queued", "accepted", "scheduled", "sending", "sent")
FINAL = ("delivered", "undelivered", "failed", "canceled", "received")


def sign(url: str, params: dict, token: str) -> str:
    """X-Twilio-Signature: base64(HMAC-SHA1(token, url + sorted name+value pairs)).

    Repeated names (list values) contribute each distinct value in sorted
    order, which is what twilio's RequestValidator recomputes.
    """
    data = url
    for name in sorted(params):
        values = params[name]
        if isinstance(values, (list, tuple)):
            for value in sorted(set(values)):
                data += name + value
        else:
            data += name + values
    digest = hmac.new(token.encode("utf-8"), data.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def post_signed(url: str, params: dict, token: str, method: str = "POST") -> int | None:
    """Send a signed webhook; return the HTTP status, or None if it could not be sent."""
    method = (method or "POST").upper()
    data = urllib.parse.urlencode(params, doseq=True)
    if method == "GET":
        # Twilio appends the params to the URL and signs the full URL with no body params.
        url = url + ("&" if "?" in url else "?") + data
        body, signed_params = None, {}
    else:
        body, signed_params = data.encode("utf-8"), params
    headers = {
        "X-Twilio-Signature": sign(url, signed_params, token),
        "User-Agent": "TwilioProxy/1.1",
        "Accept": "*/*",
    }
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded; charset=utf-8"
    request = urllib.request.Request(url, data=body, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=CALLBACK_TIMEOUT_SECONDS) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        log.warning("webhook %s answered %s", url, exc.code)
        return exc.code
    except (OSError, ValueError) as exc:
        log.warning("webhook %s failed: %s", url, exc)
        return None


def raw_dlr_done_date(when) -> str:
    """RawDlrDoneDate is YYMMDDhhmm (docs/twilio-behaviour.md §7)."""
    return when.strftime("%y%m%d%H%M")


def outbound_price(num_segments: str) -> str:
    """Twilio reports charges as negative decimal strings."""
    segments = max(int(num_segments or "1"), 1)
    return f"{-SMS_PRICE_PER_SEGMENT * segments:.5f}"


class Delivery:
    """Background worker that advances outbound messages and sends their callbacks."""

    def __init__(self, sandbox, *, step_seconds: float | None = None):
        self.sandbox = sandbox
        self.step_seconds = DEFAULT_STEP_SECONDS if step_seconds is None else step_seconds
        self._pending: dict[str, float] = {}  # message SID -> monotonic time of its next step
        self._pending_lock = threading.Lock()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def store(self):
        return self.sandbox.store

    # -- lifecycle -----------------------------------------------------------

    def start(self) -> None:
        if self._thread is not None:
            return
        self._resume_in_flight()
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name="twilio-sandbox-delivery", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=CALLBACK_TIMEOUT_SECONDS + 1)
            self._thread = None

    def schedule(self, message_sid: str, at: float | None = None) -> None:
        """Queue a message's next step ``step_seconds`` from now (or at monotonic ``at``)."""
        due = time.monotonic() + self.step_seconds if at is None else at
        with self._pending_lock:
            self._pending[message_sid] = due
        self._wake.set()

    def forget(self, message_sid: str) -> None:
        with self._pending_lock:
            self._pending.pop(message_sid, None)

    def clear(self) -> None:
        with self._pending_lock:
            self._pending.clear()

    def _resume_in_flight(self) -> None:
        """After a snapshot load, keep moving messages that were still in flight."""
        with self.store.lock:
            sids = [m.sid for m in self.store.messages.values() if m.status in IN_FLIGHT]
        for sid in sids:
            self.schedule(sid)

    # -- worker --------------------------------------------------------------

    def _run(self) -> None:
        while not self._stopping.is_set():
            due_sids, wait = self._take_due()
            for sid in due_sids:
                try:
                    self._advance(sid)
                except Exception:  # a bug in one message must not stop delivery
                    log.exception("delivery of %s failed", sid)
            if not due_sids:
                self._wake.wait(timeout=wait)
                self._wake.clear()

    def _take_due(self) -> tuple[list[str], float]:
        current = time.monotonic()
        with self._pending_lock:
            due = [sid for sid, at in self._pending.items() if at <= current]
            for sid in due:
                del self._pending[sid]
            upcoming = min(self._pending.values(), default=current + 1.0)
        return due, max(min(upcoming - current, 1.0), 0.005)

    def _advance(self, sid: str) -> None:
        callback = None
        with self.store.lock:
            message = self.store.messages.get(sid)
            if message is None or message.status not in IN_FLIGHT:
                return
            self._step(message)
            if message.status not in FINAL:
                self.schedule(sid)
            callback = self._callback_for(message)
        if callback is not None:
            url, params, token = callback
            post_signed(url, params, token)

    def _step(self, message) -> None:
        """Move one message one status forward (caller holds the store lock)."""
        account = self.store.accounts.get(message.account_sid)
        if account is None or self.store.effective_status(account) != "active":
            self._finish(message, ACCOUNT_INACTIVE)
            return
        bad = BAD_RECIPIENTS.get(message.to)
        if message.status in ("queued", "accepted", "scheduled"):
            if bad is not None and bad[0] == "failed":
                self._finish(message, bad)
            else:
                self._set(message, "sending")
        elif message.status == "sending":
            self._set(message, "sent")
            message.date_sent = now()
            message.price = outbound_price(message.num_segments)
        elif message.status == "sent":
            if bad is not None:
                self._finish(message, bad)
            else:
                self._set(message, "delivered")

    @staticmethod
    def _set(message, status: str) -> None:
        message.status = status
        message.date_updated = now()

    def _finish(self, message, outcome) -> None:
        status, code, text = outcome
        self._set(message, status)
        message.error_code = code
        message.error_message = text
        if status == "failed":
            message.price = None

    def _callback_for(self, message):
        """(url, params, token) for this status change, or None when nobody asked for one."""
        url = message.status_callback
        service = self.store.services.get(message.messaging_service_sid or "")
        if not url and service is not None:
            url = service.status_callback
        account = self.store.accounts.get(message.account_sid)
        if not url or account is None:
            return None
        params = {
            "MessageSid": message.sid,
            "MessageStatus": message.status,
            "SmsSid": message.sid,
            "SmsStatus": message.status,
            "AccountSid": message.account_sid,
            "From": message.from_ or "",
            "To": message.to,
            "ApiVersion": API_VERSION,
        }
        if message.messaging_service_sid:
            params["MessagingServiceSid"] = message.messaging_service_sid
        if message.status in ("failed", "undelivered") and message.error_code:
            params["ErrorCode"] = str(message.error_code)
        if message.status in ("delivered", "undelivered"):
            params["RawDlrDoneDate"] = raw_dlr_done_date(message.date_updated)
        return url, params, account.auth_token

    # -- inbound -------------------------------------------------------------

    def send_inbound_webhook(self, url: str, params: dict, token: str, method: str = "POST") -> int | None:
        """POST (or GET) a signed inbound-message webhook; returns the receiver's status."""
        return post_signed(url, params, token, method)
