"""Reads for the move dry run: what a move of these numbers to that account would do, checked at Twilio.

The dry run reads Twilio (never writes): whether each number is still where the portal believes (drift),
with one list per source account, or one read per number when only a few are selected."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from owlie_portal.tenants.models import Tenant
from owlie_portal.twilio_gateway import phone_numbers
from owlie_portal.twilio_gateway.errors import TwilioError, TwilioPermanentError

from .models import PhoneNumber
from .services.move import account_sid_of, default_service, number_move_refusal, owner_label, target_refusal

# Up to this many numbers of one account are read one by one; more are checked with one list of the account.
FETCH_EACH_UP_TO = 20


def travelling_optouts(number: PhoneNumber) -> list[str]:
    """Opt-outs (end users' numbers) that travel with `number` on a move: whoever replied STOP to it stays
    suppressed for its new owner (the messaging app's ledger; imported here to keep the apps' imports one-way
    at load time)."""
    from owlie_portal.messaging.selectors import optouts_travelling_with

    return list(optouts_travelling_with(number).values_list("recipient", flat=True)[:200])


@dataclass(frozen=True)
class MoveLine:
    number: PhoneNumber
    source: str
    source_status: str
    service_name: str  # the source Messaging Service it leaves first ("" when in none)
    needs_address: bool
    refusal: str  # "" when it may move
    optouts: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class MovePlan:
    target: Tenant | None
    target_label: str
    target_status: str
    target_refusal: str
    join_service_name: str
    lines: list[MoveLine]
    twilio_warning: str = ""

    @property
    def allowed(self) -> list[MoveLine]:
        return [line for line in self.lines if not line.refusal]

    @property
    def refused(self) -> list[MoveLine]:
        return [line for line in self.lines if line.refusal]


def _held_at_twilio(account_sid: str, numbers: list[PhoneNumber]) -> set[str]:
    """SIDs of `numbers` Twilio shows in `account_sid`."""
    if len(numbers) > FETCH_EACH_UP_TO:
        wanted = {n.sid for n in numbers}
        return {record.sid for record in phone_numbers.numbers_list(account_sid=account_sid) if record.sid in wanted}
    held = set()
    for number in numbers:
        try:
            held.add(phone_numbers.number_fetch(account_sid=account_sid, number_sid=number.sid).sid)
        except TwilioPermanentError as error:
            if error.code != 20404:
                raise
    return held


def _drifted(numbers: list[PhoneNumber]) -> tuple[set[str], str]:
    """SIDs not where the portal believes, and a warning when Twilio could not be asked."""
    by_owner: dict[str, list[PhoneNumber]] = defaultdict(list)
    for number in numbers:
        by_owner[account_sid_of(number.tenant)].append(number)
    drifted = set()
    try:
        for account_sid, owned in by_owner.items():
            drifted |= {n.sid for n in owned} - _held_at_twilio(account_sid, owned)
    except TwilioError as error:
        return drifted, (f"Twilio could not be asked where the numbers are ({error.message}); the move checks "
                         "again before it changes anything.")
    return drifted, ""


def _line(number: PhoneNumber, target: Tenant | None, drifted: set[str]) -> MoveLine:
    refusal = number_move_refusal(number, target) or ""
    if not refusal and number.sid in drifted:
        refusal = (f"{number.phone_number}: Twilio does not show it in {owner_label(number.tenant)}, where the "
                   "portal believes it is (drift). Sync the numbers, then move it from where it really is.")
    needs_address = target is not None and number.address_requirements != PhoneNumber.AddressRequirements.NONE
    return MoveLine(number=number, source=owner_label(number.tenant),
                    source_status=number.tenant.get_status_display() if number.tenant else "Active",
                    service_name=number.messaging_service.friendly_name if number.messaging_service_id else "",
                    needs_address=needs_address, refusal=refusal, optouts=travelling_optouts(number))


def move_plan(*, numbers: list[PhoneNumber], target: Tenant | None, check_twilio: bool = True) -> MovePlan:
    """The dry run of moving `numbers` to `target` (None: the parent account)."""
    refusal = target_refusal(target) or ""
    drifted, warning = _drifted(numbers) if check_twilio and not refusal else (set(), "")
    service = default_service(target)
    return MovePlan(target=target, target_label=owner_label(target),
                    target_status=target.get_status_display() if target else "Active", target_refusal=refusal,
                    join_service_name=service.friendly_name if service else "",
                    lines=[_line(n, target, drifted) for n in numbers], twilio_warning=warning)


def latest_move(*, number: PhoneNumber):
    """The number's most recent move people asked for (not a close's step), or None."""
    from owlie_portal.operations.models import Operation

    from .kinds import Kind

    return (Operation.objects.filter(kind=Kind.TRANSFER, target_sid=number.sid, parent__isnull=True)
            .order_by("-pk").first())
