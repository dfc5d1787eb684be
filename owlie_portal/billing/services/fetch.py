"""What one sync reads from Twilio, per account: runs in the sync's threads and touches no database."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from owlie_portal.twilio_gateway import usage
from owlie_portal.twilio_gateway.errors import TwilioError, TwilioPermanentError
from owlie_portal.twilio_gateway.records import SubaccountCredentials

from ..models import UsageRecord
from ..months import HISTORY_MONTHS, month_add, month_of

Period, Scope = UsageRecord.Period, UsageRecord.Scope
# Days are read for the total only: one chart line per day, a fifth of the rows of every category.
DAILY_CATEGORY = "totalprice"


@dataclass(frozen=True)
class Plan:
    """Monthly from `monthly_from` (13 months back on a backfill, else the previous month), daily for the
    current and previous month, both up to `today`."""

    today: date
    monthly_from: date
    daily_from: date

    @classmethod
    def for_day(cls, today: date, *, backfill: bool) -> "Plan":
        current = month_of(today)
        return cls(today=today, monthly_from=month_add(current, -HISTORY_MONTHS if backfill else -1),
                   daily_from=month_add(current, -1))


@dataclass
class Fetched:
    """Everything one account answered, or the error that stopped it (then nothing of it is written)."""

    scope: str
    account_sid: str
    tenant_id: int | None = None
    plan: Plan | None = None
    rows: dict = field(default_factory=dict)  # period -> [UsageRecordRow]
    error: TwilioError | None = None
    calls: int = 0


def _read(fetched: Fetched, credentials: SubaccountCredentials, plan: Plan, *, via_parent: bool) -> None:
    def read(**query):
        fetched.calls += 1
        if via_parent:
            return usage.suspended_subaccount_usage_records(account_sid=credentials.account_sid, **query)
        return usage.subaccount_usage_records(credentials=credentials, **query)

    fetched.rows = {Period.MONTH: read(variant="monthly", start=plan.monthly_from, end=plan.today),
                    Period.DAY: read(variant="daily", start=plan.daily_from, end=plan.today, category=DAILY_CATEGORY)}


def fetch_tenant(*, tenant_id: int, credentials: SubaccountCredentials, plan: Plan, suspended: bool = False) -> Fetched:
    """The tenant's records with its own credentials; a suspended subaccount whose credentials are refused
    (20003) is read by the parent at the subaccount's URL."""
    fetched = Fetched(scope=Scope.TENANT, account_sid=credentials.account_sid, tenant_id=tenant_id, plan=plan)
    try:
        try:
            _read(fetched, credentials, plan, via_parent=False)
        except TwilioPermanentError as refused:
            if not (suspended and refused.code == 20003):
                raise
            _read(fetched, credentials, plan, via_parent=True)
    except TwilioError as error:
        fetched.rows, fetched.error = {}, error
    return fetched


def fetch_parent(*, account_sid: str, plan: Plan) -> list[Fetched]:
    """The parent's own figures (IncludeSubaccounts=false, so nothing is counted twice) and its total
    with every subaccount (only to reconcile the month overview)."""
    own = Fetched(scope=Scope.PARENT_OWN, account_sid=account_sid, plan=plan)
    everything = Fetched(scope=Scope.PARENT_ALL, account_sid=account_sid, plan=plan)
    try:
        own.calls += 1
        own.rows[Period.MONTH] = usage.parent_usage_records(variant="monthly", start=plan.monthly_from,
                                                            end=plan.today, include_subaccounts=False)
        everything.calls += 1
        everything.rows[Period.MONTH] = usage.parent_usage_records(
            variant="monthly", start=plan.monthly_from, end=plan.today, include_subaccounts=True,
            category=DAILY_CATEGORY)
    except TwilioError as error:
        own.rows, everything.rows = {}, {}
        own.error = everything.error = error
    return [own, everything]
