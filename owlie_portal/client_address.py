"""The client's address as the login throttle sees it (django-axes' AXES_CLIENT_IP_CALLABLE)."""

from __future__ import annotations

from django.conf import settings


def client_address(request) -> str | None:
    """The TCP peer, or behind TRUSTED_PROXY_COUNT proxies the X-Forwarded-For entry the outermost trusted
    proxy appended. Entries further left were written by the client and are never trusted."""
    count = settings.TRUSTED_PROXY_COUNT
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if count and len(forwarded) >= count:
        return forwarded[-count]
    return request.META.get("REMOTE_ADDR")
