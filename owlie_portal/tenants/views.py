"""Admin pages beyond ModelAdmin: confirmation, batch progress (polled), sync and import buttons."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views import View

from owlie_portal.errors import DomainError
from owlie_portal.numbers.models import PhoneNumber

from . import selectors, services, tasks
from .models import Batch, Operation, Tenant

PREVIEW_LIMIT = 50
OPEN_STATES = [Operation.State.QUEUED, Operation.State.RUNNING, Operation.State.UNKNOWN]


def confirmation_page(request, model_admin, *, queryset, kind, form, allowed, refused, single, label=""):
    """The shared 'are you sure' page; it re-posts the selection with confirm=yes."""
    numbers = []
    if kind == Operation.Kind.SUBACCOUNT_CLOSE:
        numbers = list(PhoneNumber.objects.filter(tenant__in=queryset).select_related("tenant")[:200])
    label = label or Operation.Kind(kind).label
    context = {
        **model_admin.admin_site.each_context(request),
        "title": f"{label}: please confirm",
        "opts": model_admin.model._meta,
        "kind_label": label,
        "irreversible": kind == Operation.Kind.SUBACCOUNT_CLOSE,
        "form": form,
        "allowed": allowed[:PREVIEW_LIMIT],
        "allowed_more": max(0, len(allowed) - PREVIEW_LIMIT),
        "allowed_count": len(allowed),
        "refused": refused,
        "single": single,
        "numbers": numbers,
        "selected": request.POST.getlist(ACTION_CHECKBOX_NAME),
        "select_across": request.POST.get("select_across", "0"),
        "action": request.POST.get("action", ""),
        "action_checkbox_name": ACTION_CHECKBOX_NAME,
    }
    return TemplateResponse(request, "admin/owlie/confirm_action.html", context)


def message_batch_queued(model_admin, request, batch: Batch) -> None:
    text = f"{batch.description}: queued {batch.total} operation(s)."
    if batch.refused:
        names = "; ".join(batch.refused_detail.splitlines()[:10])
        text += f" {batch.refused} refused before any Twilio call: {names}"
    model_admin.message_user(request, text, messages.WARNING if batch.refused else messages.SUCCESS)


def tenant_page_context(request, model_admin, tenant: Tenant) -> dict:
    pending = Operation.objects.filter(tenant=tenant, state__in=OPEN_STATES).exists()
    return {
        "recent_operations": selectors.tenant_recent_operations(tenant=tenant),
        "open_drifts": selectors.tenant_open_drifts(tenant=tenant),
        "tenant_busy": pending or tenant.status == Tenant.Status.PROVISIONING,
        "status_url": reverse("admin:tenants_tenant_status", args=[tenant.pk]),
        "lifecycle_buttons": _lifecycle_buttons(request, model_admin, tenant, pending),
    }


def _lifecycle_buttons(request, model_admin, tenant, pending) -> list[dict]:
    if pending:
        return []
    choices = [
        ("suspend_selected", "Suspend…", model_admin.has_suspend_permission, {Tenant.Status.ACTIVE}),
        ("reactivate_selected", "Reactivate…", model_admin.has_reactivate_permission, {Tenant.Status.SUSPENDED}),
        ("close_selected", "Close…", model_admin.has_close_permission,
         {Tenant.Status.ACTIVE, Tenant.Status.SUSPENDED}),
        ("retry_provisioning_selected", "Retry provisioning", model_admin.has_add_permission,
         {Tenant.Status.FAILED}),
    ]
    return [{"action": action, "label": label} for action, label, allowed, statuses in choices
            if tenant.status in statuses and allowed(request)]


def tenant_status_fragment(request, pk: int):
    """Polled by the tenant page while provisioning or an operation is in flight."""
    tenant = get_object_or_404(Tenant, pk=pk)
    if not request.user.has_perm("tenants.view_tenant"):
        raise PermissionDenied
    pending = Operation.objects.filter(tenant=tenant, state__in=OPEN_STATES).exists()
    busy = pending or tenant.status == Tenant.Status.PROVISIONING
    return TemplateResponse(request, "admin/tenants/tenant/_status_fragment.html",
                            {"tenant": tenant, "busy": busy,
                             "recent_operations": selectors.tenant_recent_operations(tenant=tenant, limit=5)})


class _AdminView(View):
    model_admin = None
    permission = ""

    def dispatch(self, request, *args, **kwargs):
        if not getattr(self.model_admin, f"has_{self.permission}_permission")(request):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class SyncNowView(_AdminView):
    permission = "sync"
    http_method_names = ["post"]

    def post(self, request):
        tasks.sync_subaccounts.delay()
        messages.success(request, "Sync from Twilio queued; statuses and drift update in a few seconds.")
        return HttpResponseRedirect(reverse("admin:tenants_tenant_changelist"))


class ImportView(_AdminView):
    permission = "import"
    http_method_names = ["post"]

    def post(self, request):
        tasks.import_subaccounts.delay(requested_by_id=request.user.pk)
        messages.success(request, "Import of unknown subaccounts from Twilio queued; new tenants appear shortly.")
        return HttpResponseRedirect(reverse("admin:tenants_tenant_changelist"))


class BatchProgressView(_AdminView):
    permission = "view"

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
            "fragment_url": request.path + "?fragment=1",
        }
        template = "admin/owlie/_batch_progress_fragment.html" if request.GET.get("fragment") else \
            "admin/owlie/batch_progress.html"
        return TemplateResponse(request, template, context)


class BatchRetryView(_AdminView):
    permission = "view"
    http_method_names = ["post"]

    def post(self, request, pk):
        batch = get_object_or_404(Batch, pk=pk)
        if not self.model_admin.has_retry_permission(request, batch):
            raise PermissionDenied
        try:
            retry = services.batch_retry_failed(batch=batch, requested_by=request.user)
        except DomainError as error:
            messages.error(request, str(error))
            return HttpResponseRedirect(reverse("admin:tenants_batch_progress", args=[batch.pk]))
        messages.success(request, f"Retrying {retry.total} failed item(s) as batch #{retry.pk}.")
        return HttpResponseRedirect(reverse("admin:tenants_batch_progress", args=[retry.pk]))
