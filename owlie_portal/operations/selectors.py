"""Reads of the ledger for pages: batch progress (one grouped query) and failures."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q

from .models import Batch, Operation

State = Operation.State


@dataclass(frozen=True)
class BatchProgress:
    total: int
    counts: dict[str, int]
    refused: int
    waiting_for_queue: int = 0

    @property
    def succeeded(self) -> int:
        return self.counts.get(State.SUCCEEDED, 0)

    @property
    def failed(self) -> int:
        return self.counts.get(State.FAILED, 0)

    @property
    def finished(self) -> int:
        return self.succeeded + self.failed

    @property
    def percent(self) -> int:
        return 100 if self.total == 0 else int(100 * self.finished / self.total)

    @property
    def succeeded_percent(self) -> float:
        return 0 if self.total == 0 else round(100 * self.succeeded / self.total, 2)

    @property
    def failed_percent(self) -> float:
        return 0 if self.total == 0 else round(100 * self.failed / self.total, 2)

    @property
    def is_final(self) -> bool:
        return self.finished >= self.total

    @property
    def in_flight(self) -> int:
        return self.total - self.finished


def batch_progress(*, batch: Batch) -> BatchProgress:
    """Counts of the batch's Operations by state, and how many still wait for the broker (one query)."""
    unsent = Q(dispatched_at__isnull=True, state__in=Operation.OPEN_STATES)
    rows = (Operation.objects.filter(batch=batch, parent__isnull=True).order_by().values("state")
            .annotate(n=Count("pk"), unsent=Count("pk", filter=unsent)))
    counts = {row["state"]: row["n"] for row in rows}
    waiting = sum(row["unsent"] for row in rows) if batch.dispatched_at is None else 0
    return BatchProgress(total=batch.total, counts=counts, refused=batch.refused, waiting_for_queue=waiting)


def batch_failures(*, batch: Batch, limit: int = 500) -> list[Operation]:
    return list(Operation.objects.filter(batch=batch, state=State.FAILED, parent__isnull=True)
                .select_related("tenant").order_by("id")[:limit])
