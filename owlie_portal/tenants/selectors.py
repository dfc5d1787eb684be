"""Reads for the admin: annotated lists (no N+1) and batch progress."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Exists, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from owlie_portal.messaging.models import MessagingService
from owlie_portal.numbers.models import PhoneNumber

from .models import Batch, Operation, Tenant, TenantDrift


def _count_of(model, fk: str):
    rows = model.objects.filter(**{fk: OuterRef("pk")}).order_by().values(fk).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(rows, output_field=IntegerField()), Value(0))


def tenants_for_changelist(queryset: QuerySet[Tenant]) -> QuerySet[Tenant]:
    """Tenants with number and service counts, open drift, and their latest Operation — constant queries."""
    latest = Operation.objects.filter(tenant=OuterRef("pk")).order_by("-created_at", "-id")
    return queryset.select_related("account_manager").annotate(
        number_count=_count_of(PhoneNumber, "tenant"),
        service_count=_count_of(MessagingService, "tenant"),
        has_open_drift=Exists(TenantDrift.objects.filter(tenant=OuterRef("pk"), resolved_at__isnull=True)),
        last_op_kind=Subquery(latest.values("kind")[:1]),
        last_op_state=Subquery(latest.values("state")[:1]),
        last_op_id=Subquery(latest.values("id")[:1]),
    )


def tenant_recent_operations(*, tenant: Tenant, limit: int = 10) -> list[Operation]:
    return list(Operation.objects.filter(tenant=tenant).select_related("requested_by", "batch")[:limit])


def tenant_open_drifts(*, tenant: Tenant) -> list[TenantDrift]:
    return list(TenantDrift.objects.filter(tenant=tenant, resolved_at__isnull=True))


@dataclass(frozen=True)
class BatchProgress:
    total: int
    counts: dict[str, int]
    refused: int

    @property
    def finished(self) -> int:
        return self.counts.get(Operation.State.SUCCEEDED, 0) + self.counts.get(Operation.State.FAILED, 0)

    @property
    def percent(self) -> int:
        return 100 if self.total == 0 else int(100 * self.finished / self.total)

    @property
    def is_final(self) -> bool:
        return self.finished >= self.total

    @property
    def failed(self) -> int:
        return self.counts.get(Operation.State.FAILED, 0)

    @property
    def in_flight(self) -> int:
        return self.total - self.finished


def batch_progress(*, batch: Batch) -> BatchProgress:
    """Counts of the batch's Operations by state (one grouped query)."""
    rows = Operation.objects.filter(batch=batch).order_by().values("state").annotate(n=Count("pk"))
    counts = {row["state"]: row["n"] for row in rows}
    return BatchProgress(total=batch.total, counts=counts, refused=batch.refused)


def batch_failures(*, batch: Batch, limit: int = 500) -> list[Operation]:
    return list(Operation.objects.filter(batch=batch, state=Operation.State.FAILED)
                .select_related("tenant").order_by("id")[:limit])
