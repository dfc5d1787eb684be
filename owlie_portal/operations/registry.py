"""The registry of Operation kinds. Each app registers its own kinds in its `AppConfig.ready()`.

A kind names the Celery task that performs it, the label people read, and optionally:
- `on_failed(operation)`: runs in the transaction that closes an Operation of this kind FAILED for good
  (e.g. a tenant whose provisioning failed leaves "provisioning");
- `retry(batch=, requested_by=)`: re-asks for a batch's failed items, returning the new Batch (refusing
  what is no longer allowed); without it, batch retry re-enqueues each failed Operation as it was;
- `retry_permission`: the permission a person needs to retry a batch of this kind;
- `selection_url(batch)` / `selection_label`: the app's list filtered to the batch's objects, offered on
  the batch page for the follow-up ("Select these tenants").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class OperationKind:
    kind: str
    task: str
    label: str
    on_failed: Callable | None = None
    retry: Callable | None = None
    retry_permission: str = ""
    selection_url: Callable | None = None
    selection_label: str = ""


_KINDS: dict[str, OperationKind] = {}


def register_kind(kind: str, *, task: str, label: str, on_failed: Callable | None = None,
                  retry: Callable | None = None, retry_permission: str = "", selection_url: Callable | None = None,
                  selection_label: str = "") -> OperationKind:
    """Register (or re-register, e.g. on an autoreload) one kind of Operation."""
    entry = OperationKind(kind=kind, task=task, label=label, on_failed=on_failed, retry=retry,
                          retry_permission=retry_permission, selection_url=selection_url,
                          selection_label=selection_label)
    _KINDS[kind] = entry
    return entry


def kind_entry(kind: str) -> OperationKind:
    try:
        return _KINDS[kind]
    except KeyError:
        raise LookupError(f"Operation kind {kind!r} is not registered by any app") from None


def kind_label(kind: str) -> str:
    entry = _KINDS.get(kind)
    return entry.label if entry else kind


def kind_choices() -> list[tuple[str, str]]:
    return sorted(((k, e.label) for k, e in _KINDS.items()), key=lambda pair: pair[1])
