"""Twilio's webhooks: inbound messages and status callbacks.

Each request is checked against X-Twilio-Signature with the auth token of the account it names
(AccountSid: the parent, or a tenant's subaccount), over the public URL rebuilt from
TWILIO_WEBHOOK_BASE_URL (behind a proxy the request's own host is not what Twilio signed). A forged,
tampered or unknown-account request gets 403 and changes nothing. No Twilio call is made here: the
answer is a database write away. Only these views are CSRF-exempt: Twilio cannot carry a CSRF token,
and the signature is what authenticates it.
"""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.http import HttpResponse, HttpResponseForbidden
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from owlie_portal.tenants.models import Tenant
from owlie_portal.twilio_gateway.webhooks import signature_valid

from . import services

logger = logging.getLogger(__name__)
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
PARENT = object()


# AccountSid → (tenant, auth token, read at): webhooks arrive in bursts for few accounts, and reading and
# decrypting the token is most of a webhook's cost. A signature that fails with a cached token is checked
# again with a fresh read, so a rotated token takes effect at once; entries expire after TOKEN_CACHE_S.
TOKEN_CACHE_S = 60.0
_tokens: dict[str, tuple[object, str, float]] = {}


def _account(account_sid: str, *, fresh: bool = False):
    """(tenant, or PARENT for the parent account, auth token); (None, "") when the account is not one of ours."""
    if account_sid and account_sid == settings.TWILIO_ACCOUNT_SID:
        return PARENT, settings.TWILIO_AUTH_TOKEN
    if not account_sid:
        return None, ""
    cached = _tokens.get(account_sid)
    if cached is not None and not fresh and time.monotonic() - cached[2] < TOKEN_CACHE_S:
        return cached[0], cached[1]
    tenant = Tenant.objects.filter(subaccount_sid=account_sid).only("pk", "name", "status", "auth_token").first()
    if tenant is None or not tenant.auth_token:
        _tokens.pop(account_sid, None)
        return None, ""
    _tokens[account_sid] = (tenant, tenant.auth_token, time.monotonic())
    return tenant, tenant.auth_token


def _signed(request, url: str, token: str) -> bool:
    # META, not request.headers: that parses every header into a new mapping on each request.
    return signature_valid(url=url, params=request.POST, signature=request.META.get("HTTP_X_TWILIO_SIGNATURE", ""),
                           auth_token=token)


def _verified(request):
    """The tenant the signed request speaks for (PARENT for the parent account), or None when refused."""
    account_sid = request.POST.get("AccountSid", "")
    url = settings.TWILIO_WEBHOOK_BASE_URL + request.get_full_path()
    account, token = _account(account_sid)
    valid = account is not None and _signed(request, url, token)
    if not valid and account is not None and account is not PARENT:
        account, token = _account(account_sid, fresh=True)  # the token may have been rotated since it was cached
        valid = account is not None and _signed(request, url, token)
    if not valid:
        logger.warning("twilio webhook refused: %s for account %s (bad signature or unknown account)",
                       request.path, account_sid or "(none)")
        return None
    return account


@csrf_exempt
@require_POST
def inbound(request):
    account = _verified(request)
    if account is None:
        return HttpResponseForbidden("Signature check failed.")
    services.inbound_receive(tenant=None if account is PARENT else account, params=request.POST)
    # Empty TwiML: Twilio's own opt-out replies already answer STOP/START/HELP (docs/twilio-behaviour.md §6).
    return HttpResponse(EMPTY_TWIML, content_type="text/xml")


@csrf_exempt
@require_POST
def status(request):
    account = _verified(request)
    if account is None:
        return HttpResponseForbidden("Signature check failed.")
    services.status_callback_receive(tenant=None if account is PARENT else account,
                                     account_sid=request.POST.get("AccountSid", ""), params=request.POST)
    return HttpResponse(status=204)
