"""Reads for messaging: the opt-out ledger's suppression rule and what travels with a number."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from owlie_portal.numbers.models import PhoneNumber

from .models import OptOut


def optout_blocking(*, tenant, recipient: str) -> OptOut | None:
    """The opt-out that forbids `tenant` to text `recipient`, or None.

    Suppressed = the recipient opted out of this tenant, OR opted out on any number this tenant holds now,
    whoever owned it then. So the ledger follows numbers without a write at transfer time: a STOP sent
    to a parent number keeps protecting the recipient after the number moves into a subaccount (Twilio's
    own opt-outs stay with the old account, docs/twilio-behaviour.md §6)."""
    held = PhoneNumber.objects.filter(tenant=tenant).values("phone_number")
    return (OptOut.objects.filter(recipient=recipient, opted_out=True)
            .filter(Q(tenant=tenant) | Q(phone_number__in=held))
            .order_by("-opted_out_at").first())


def optouts_travelling_with(number: PhoneNumber) -> QuerySet[OptOut]:
    """Recipients who opted out on this number (under any owner): they stay suppressed wherever it moves."""
    return OptOut.objects.filter(phone_number=number.phone_number, opted_out=True).order_by("recipient")


def optouts_for_tenant(*, tenant) -> QuerySet[OptOut]:
    """Everyone suppressed for `tenant`: its own entries and those on the numbers it holds now."""
    held = PhoneNumber.objects.filter(tenant=tenant).values("phone_number")
    return OptOut.objects.filter(opted_out=True).filter(Q(tenant=tenant) | Q(phone_number__in=held))


def optout_reason(optout: OptOut) -> str:
    """The sentence a support engineer reads when a send is refused."""
    when = optout.opted_out_at.strftime("%Y-%m-%d %H:%M") if optout.opted_out_at else "an earlier date"
    if optout.source == OptOut.Source.INBOUND:
        where = f" to {optout.phone_number}" if optout.phone_number else ""
        return f"{optout.recipient} replied {optout.keyword or 'STOP'}{where} on {when} UTC and has not opted back in."
    if optout.source == OptOut.Source.TWILIO:
        return f"Twilio refused to text {optout.recipient} on {when} UTC (21610: the recipient opted out)."
    return f"{optout.recipient} is on the opt-out list imported on {when} UTC."
