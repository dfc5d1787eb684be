"""Batch progress (polled until every item is final) and "retry failed items"."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse

from owlie_portal.admin_tools import AdminPermissionView
from owlie_portal.errors import DomainError

from . import selectors, services
from .models import Batch
from .registry import kind_entry


class _BatchView(AdminPermissionView):
    permission = "view"


class BatchProgressView(_BatchView):
    def get(self, request, pk):
        batch = get_object_or_404(Batch.objects.select_related("requested_by"), pk=pk)
        progress = selectors.batch_progress(batch=batch)
        context = {
            **self.model_admin.admin_site.each_context(request),
            "opts": Batch._meta,
            "title": f"Batch #{batch.pk}: {batch.description}",
            "batch": batch,
            "progress": progress,
            "failures": selectors.batch_failures(batch=batch) if progress.failed else [],
            "refused_lines": batch.refused_detail.splitlines(),
            "can_retry": progress.failed and self.model_admin.has_retry_permission(request, batch),
            "selection": _selection(batch),
            "fragment_url": request.path + "?fragment=1",
        }
        template = "admin/owlie/_batch_progress_fragment.html" if request.GET.get("fragment") else \
            "admin/owlie/batch_progress.html"
        return TemplateResponse(request, template, context)


def _selection(batch: Batch) -> dict | None:
    try:
        entry = kind_entry(batch.kind)
    except LookupError:
        return None
    if entry.selection_url is None:
        return None
    return {"url": entry.selection_url(batch), "label": entry.selection_label or "Select these objects"}


class BatchRetryView(_BatchView):
    http_method_names = ["post"]

    def post(self, request, pk):
        batch = get_object_or_404(Batch, pk=pk)
        if not self.model_admin.has_retry_permission(request, batch):
            raise PermissionDenied
        try:
            retry = services.batch_retry_failed(batch=batch, requested_by=request.user)
        except DomainError as error:
            messages.error(request, str(error))
            return HttpResponseRedirect(reverse("admin:operations_batch_progress", args=[batch.pk]))
        noun = "item" if retry.total == 1 else "items"
        messages.success(request, f"Retrying {retry.total} failed {noun} as batch #{retry.pk}.")
        return HttpResponseRedirect(reverse("admin:operations_batch_progress", args=[retry.pk]))


QUEUE_DOWN = ("Saved, but the task queue is unreachable right now: the work starts by itself when the queue "
              "is back (its page shows it waiting).")


def message_queued(request, *, subject, text: str, level=messages.SUCCESS) -> None:
    """The admin's message after saving an Operation or a Batch (`subject`), saying so when its message
    could not reach the broker. Inside a transaction the broker is tried on commit: the warning follows then."""
    if getattr(subject, "dispatch_failed", False):
        messages.warning(request, f"{text} {QUEUE_DOWN}")
        return
    messages.add_message(request, level, text)
    if hasattr(subject, "dispatch_failed"):
        return

    def warn_if_the_queue_was_down():  # runs after the publish, which was registered on commit first
        if getattr(subject, "dispatch_failed", False):
            messages.warning(request, QUEUE_DOWN)

    transaction.on_commit(warn_if_the_queue_was_down)
