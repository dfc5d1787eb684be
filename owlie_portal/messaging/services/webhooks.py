"""What the webhooks record: inbound messages (keywords → the ledger) and status callbacks.

Both are idempotent on Twilio's SIDs (a replay adds nothing) and make no Twilio call, so they answer fast."""

from __future__ import annotations

from django.db import IntegrityError
from django.utils import timezone

from owlie_portal.twilio_gateway.errors import explain

from ..models import Message, MessagingService, StatusCallback
from .optouts import keyword_action, optout_statements
from .rows import insert_statement, statements_run, update_statement

S = Message.Status
# How far along a message is; a callback may only move it forward (callbacks can arrive out of order).
RANK = {S.REQUESTED: 0, S.QUEUED: 1, S.ACCEPTED: 1, S.SCHEDULED: 1, S.SENDING: 2, S.SENT: 3,
        S.DELIVERED: 4, S.UNDELIVERED: 4, S.FAILED: 4, S.CANCELED: 4}


def statuses_before(status: str) -> list[str]:
    rank = RANK.get(status)
    return [] if rank is None else [s for s, r in RANK.items() if r < rank]


def inbound_receive(*, tenant, params) -> bool:
    """Record an inbound message and apply its keyword to the ledger; False for a replayed MessageSid."""
    sid, body = params.get("MessageSid", ""), params.get("Body", "")
    action = keyword_action(body)
    service_sid = params.get("MessagingServiceSid") or ""
    service = MessagingService.objects.filter(sid=service_sid).first() if service_sid else None
    statements = [insert_statement(
        Message, sid=sid, direction=Message.Direction.INBOUND, tenant=tenant, service=service,
        from_number=params.get("From", ""), to_number=params.get("To", ""),
        body=body.strip() if action else Message.REDACTED, status=S.RECEIVED,
        num_segments=int(params.get("NumSegments") or 1), status_updated_at=timezone.now())]
    if action:
        statements += optout_statements(tenant=tenant, recipient=params.get("From", ""), action=action,
                                        source="inbound", phone_number=params.get("To", ""), service=service,
                                        keyword=body.strip().upper(), message_sid=sid)
    try:
        # All or nothing: a replay fails on the MessageSid's unique index and writes nothing.
        statements_run(statements, resendable=True)
    except IntegrityError:
        if Message.objects.filter(sid=sid).exists():
            return False  # a replay: already recorded
        raise  # a race on the ledger's row: the webhook answers 500 and Twilio posts it again
    return True


def _status_fields(*, status: str, error_code: int | None) -> dict:
    """What a message moved forward to `status` gets."""
    fields = {"status": status, "status_updated_at": timezone.now(), "updated_at": timezone.now()}
    if error_code:
        fields.update(error_code=error_code, error_message=explain(error_code, f"Twilio error {error_code}."))
    if status == S.SENT:
        fields["sent_at"] = timezone.now()
    return fields


def _move_statement(*, message_sid: str, status: str, error_code: int | None, tenant):
    """The UPDATE that moves the message forward to `status`, only if it has not reached it yet."""
    return update_statement(Message, where={"sid": message_sid, "tenant": tenant, "status": statuses_before(status)},
                            **_status_fields(status=status, error_code=error_code))


def message_apply_status(*, message_sid: str, status: str, error_code: int | None, tenant) -> int:
    """Move the message forward to `status` (never backwards); returns 1 when it moved."""
    return statements_run([_move_statement(message_sid=message_sid, status=status, error_code=error_code,
                                           tenant=tenant)], savepoint=False)  # as QuerySet.update


def status_callback_receive(*, tenant, account_sid: str, params) -> bool:
    """Record a status callback (unique on MessageSid + MessageStatus) and apply it; False for a replay.

    A replay inserts nothing (ON CONFLICT DO NOTHING: no error to raise, log and roll back) and moves
    nothing: the message is already at that status or past it, and a message only moves forward."""
    sid, status = params.get("MessageSid", ""), params.get("MessageStatus", "")
    code = params.get("ErrorCode")
    error_code = int(code) if code and code.isdigit() else None
    statements = []
    if statuses_before(status):  # a status we do not know moves no message
        # message_apply_status's move, sent with the callback's row as one statement.
        statements.append(_move_statement(message_sid=sid, status=status, error_code=error_code, tenant=tenant))
    statements.append(insert_statement(StatusCallback, message_sid=sid, status=status, error_code=error_code,
                                       account_sid=account_sid, on_conflict="ON CONFLICT DO NOTHING"))
    return statements_run(statements, resendable=True) == 1


def message_apply_recorded_callbacks(*, message: Message) -> None:
    """Callbacks that arrived before the send recorded its SID (they race the send's commit)."""
    for callback in StatusCallback.objects.filter(message_sid=message.sid):
        message_apply_status(message_sid=message.sid, status=callback.status, error_code=callback.error_code,
                             tenant=message.tenant)
