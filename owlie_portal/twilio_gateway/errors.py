"""One error family for every Twilio call, carrying Twilio's code, the HTTP status and the message.

- transient: safe to try again (HTTP 429 / 20429, connection refused, 5xx on an idempotent call);
- permanent: Twilio said no (validation, auth, not found, state rules such as 21479);
- ambiguous: the request may or may not have been applied (read timeout, dropped connection or 5xx
  on a create). Never retried blindly: the caller reconciles by reading Twilio first.
"""

from __future__ import annotations


class TwilioError(Exception):
    """A failed Twilio call. `code` is Twilio's error code (or the HTTP status when there is none)."""

    kind = "error"

    def __init__(self, message: str, *, code: int | None = None, status: int | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status

    def __str__(self) -> str:
        if self.code:
            return f"Twilio error {self.code}: {self.message}"
        return self.message


class TwilioTransientError(TwilioError):
    kind = "transient"


class TwilioPermanentError(TwilioError):
    kind = "permanent"


class TwilioAmbiguousError(TwilioError):
    kind = "ambiguous"


class TwilioConfigurationError(TwilioPermanentError):
    """The portal cannot build a client (e.g. a tenant without stored credentials)."""


# Twilio codes people meet in the portal, rephrased for a support engineer.
EXPLANATIONS = {
    20003: "Twilio rejected the credentials (wrong SID or token, or the account is suspended or closed).",
    20404: "Twilio has no such resource (it may have been deleted or belong to another account).",
    20429: "Twilio is rate limiting this account (too many concurrent requests).",
    21101: "A subaccount cannot create subaccounts; the portal must use the parent account's credentials.",
    21421: "Twilio says this phone number is not valid (check the digits and the country).",
    21422: "That number is no longer available: someone else bought it, or Twilio cannot sell it. Search again.",
    21451: "Twilio does not know that area code.",
    21452: "Twilio has no numbers left for sale in that area code; try another area code or leave it empty.",
    21631: "Twilio needs an address on file (AddressSid) before this number can be bought for this account.",
    21472: "The receiving account is not active, so the number cannot be moved there.",
    21473: "Numbers can only move between the parent and its own subaccounts.",
    21474: "Only the parent account can transfer numbers.",
    21476: "The parent account is suspended, so subaccount statuses cannot change.",
    21478: "Twilio itself suspended this subaccount; only Twilio support can reactivate it.",
    21479: "The subaccount is closed at Twilio; closing is final and it cannot be reopened.",
    21480: "The parent account reached its maximum number of subaccounts; ask Twilio support for more.",
    10001: "The subaccount is not active (suspended or closed), so Twilio refuses to send from it.",
    21211: "The recipient is not a valid phone number.",
    21408: "Sending to the recipient's country is not enabled on this account.",
    21610: "The recipient replied STOP to this sender; Twilio refuses to text them until they reply START.",
    21612: "The recipient cannot be reached by SMS.",
    21614: "The recipient is not a mobile number, so it cannot receive SMS.",
    21617: "The message is longer than 1,600 characters.",
    21701: "Twilio has no such Messaging Service in this subaccount.",
    21703: "The Messaging Service has no phone number to send from; add a number to it first.",
    30002: "The subaccount was suspended or closed before the message left Twilio.",
    30003: "The recipient's handset is unreachable (switched off or out of coverage).",
    30005: "The recipient's number is unknown to the carrier or no longer in service.",
    30006: "The recipient is a landline or cannot receive SMS.",
    30007: "The carrier filtered the message as spam.",
    30008: "The carrier reported an unknown delivery error.",
    21712: "The number is already in another Messaging Service; remove it there first (one service per number).",
    21714: "The Messaging Service already has 400 numbers, Twilio's maximum.",
    21715: "The number cannot send SMS or MMS, so it cannot join a Messaging Service.",
    21613: "The receiving account needs an address (or regulatory bundle) for this number before it can take it.",
}


def explain(code: int | None, fallback: str) -> str:
    """A support-friendly sentence for a Twilio code, falling back to Twilio's own message."""
    return EXPLANATIONS.get(code or 0, fallback)
