"""The opt-out ledger: recording opt-outs / opt-ins (idempotent on the inbound MessageSid), CSV import."""

from __future__ import annotations

import csv
import io

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from owlie_portal.errors import DomainError
from owlie_portal.validators import normalize_phone_number

from ..models import OptOut, OptOutEvent
from .rows import Statement, insert_statement, queryset_update_statement, statements_run, upsert_clause

OPT_OUT_WORDS = frozenset({"STOP", "UNSUBSCRIBE", "END", "QUIT", "STOPALL", "REVOKE", "OPTOUT", "CANCEL"})
OPT_IN_WORDS = frozenset({"START", "YES", "UNSTOP"})
HELP_WORDS = frozenset({"HELP", "INFO"})
MAX_IMPORT_ROWS = 50_000


class ImportRejected(DomainError):
    """A CSV import refused as a whole; `lines` names each bad row."""

    def __init__(self, lines: list[str]):
        super().__init__("Nothing was imported. " + " ".join(lines))
        self.lines = lines


def keyword_action(body: str) -> str | None:
    """The ledger action of an inbound body: Twilio's keywords are one word, trimmed, any case
    (docs/twilio-behaviour.md §6)."""
    word = (body or "").strip().upper()
    if word in OPT_OUT_WORDS:
        return OptOutEvent.Action.OPT_OUT
    if word in OPT_IN_WORDS:
        return OptOutEvent.Action.OPT_IN
    if word in HELP_WORDS:
        return OptOutEvent.Action.HELP
    return None


def optout_record(*, tenant, recipient: str, action: str, source: str, phone_number: str = "", service=None,
                  keyword: str = "", message_sid: str | None = None, created_by=None) -> None:
    """Write one ledger event and the recipient's current state, all or nothing, in the caller's transaction
    if there is one (no savepoint: an import rolls back as a whole). A repeated inbound MessageSid raises
    IntegrityError (OptOutEvent is unique on it)."""
    statements_run(optout_statements(tenant=tenant, recipient=recipient, action=action, source=source,
                                     phone_number=phone_number, service=service, keyword=keyword,
                                     message_sid=message_sid, created_by=created_by), savepoint=False)


def optout_statements(*, tenant, recipient: str, action: str, source: str, phone_number: str = "", service=None,
                      keyword: str = "", message_sid: str | None = None, created_by=None) -> list[Statement]:
    """What `optout_record` writes, as statements to run with others (the inbound webhook's own row)."""
    now = timezone.now()
    statements = [insert_statement(
        OptOutEvent, tenant=tenant, recipient=recipient, phone_number=phone_number, service_sid=service.sid if service else "",
        action=action, keyword=keyword, source=source, message_sid=message_sid or None, created_by=created_by)]
    if action == OptOutEvent.Action.OPT_OUT:
        state = {"opted_out": True, "keyword": keyword, "source": source, "service": service,
                 "message_sid": message_sid or "", "opted_out_at": now, "updated_at": now}
        key, where = (["tenant", "recipient", "phone_number"], "tenant_id IS NOT NULL") if tenant is not None \
            else (["recipient", "phone_number"], "tenant_id IS NULL")
        statements.append(insert_statement(OptOut, tenant=tenant, recipient=recipient, phone_number=phone_number, **state,
                                           on_conflict=upsert_clause(OptOut, key=key, where=where, update=list(state))))
    elif action == OptOutEvent.Action.OPT_IN:
        # START lifts what would block this sender: the tenant's entries and any entry on this number.
        scope = Q(tenant=tenant) | Q(phone_number=phone_number) if phone_number else Q(tenant=tenant)
        statements.append(queryset_update_statement(
            OptOut.objects.filter(scope, recipient=recipient, opted_out=True),
            opted_out=False, opted_in_at=now, keyword=keyword, message_sid=message_sid or "", updated_at=now))
    return statements


def _import_rows(text: str) -> tuple[list[str], list[str]]:
    """(recipients, errors): every row checked, so one answer names all the bad rows."""
    reader = csv.reader(io.StringIO(text))
    header = [cell.strip().lower() for cell in next(reader, [])]
    if not header or header[0] not in ("recipient", "phone_number", "phone number"):
        return [], ["Row 1: the first column must be headed 'recipient' (E.164 numbers such as +14155550100)."]
    recipients, errors = [], []
    for row_number, row in enumerate(reader, start=2):
        if row_number > MAX_IMPORT_ROWS + 1:
            errors.append(f"The file has more than {MAX_IMPORT_ROWS:,} rows; split it.")
            break
        value = row[0].strip() if row else ""
        if not value:
            errors.append(f"Row {row_number}: no recipient.")
            continue
        try:
            number = normalize_phone_number(value)
        except ValidationError as error:
            errors.append(f"Row {row_number}: {error.messages[0]}")
            continue
        if number != value:
            errors.append(f"Row {row_number}: {value!r} is not in E.164 form; write it as {number}.")
            continue
        recipients.append(number)
    return recipients, errors


def optouts_import(*, tenant, text: str, requested_by) -> int:
    """Add the file's recipients to `tenant`'s opt-outs. A file with any bad row is rejected as a whole
    (DomainError naming each bad row); nothing is written. Returns how many recipients were added."""
    if tenant.status == tenant.Status.CLOSED:
        raise DomainError(f"{tenant.name} is closed; its opt-out list is read-only.")
    recipients, errors = _import_rows(text)
    if errors:
        raise ImportRejected(errors)
    if not recipients:
        raise DomainError("Nothing was imported: the file has no recipients below its header.")
    already = set(OptOut.objects.filter(tenant=tenant, phone_number="", opted_out=True,
                                        recipient__in=recipients).values_list("recipient", flat=True))
    added = [r for r in dict.fromkeys(recipients) if r not in already]
    with transaction.atomic():
        for recipient in added:
            optout_record(tenant=tenant, recipient=recipient, action=OptOutEvent.Action.OPT_OUT,
                          source=OptOut.Source.IMPORT, keyword="IMPORT", created_by=requested_by)
    return len(added)
