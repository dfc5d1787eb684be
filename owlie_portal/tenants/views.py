"""Admin pages beyond ModelAdmin: confirmation, the tenant page's context, sync and import buttons."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse

from owlie_portal.admin_tools import AdminPermissionView
from owlie_portal.numbers.models import PhoneNumber
from owlie_portal.operations.models import Batch
from owlie_portal.operations.views import message_queued

from . import rules, selectors, services
from .kinds import Kind
from .models import SECRET_FIELDS, Tenant

PREVIEW_LIMIT = 50


def confirmation_page(request, model_admin, *, queryset, kind, form, allowed, refused, single, label=""):
    """The shared 'are you sure' page; it re-posts the selection with confirm=yes."""
    numbers = []
    if kind == Kind.SUBACCOUNT_CLOSE:
        numbers = list(PhoneNumber.objects.filter(tenant__in=queryset).select_related("tenant")
                       .defer(*[f"tenant__{name}" for name in SECRET_FIELDS])[:200])
    label = label or Kind(kind).label
    context = {
        **model_admin.admin_site.each_context(request),
        "title": f"{label}: please confirm",
        "opts": model_admin.model._meta,
        "kind_label": label,
        "irreversible": kind == Kind.SUBACCOUNT_CLOSE,
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
    text = f"{batch.description}: queued {batch.total} operation{'' if batch.total == 1 else 's'}."
    if batch.refused:
        names = "; ".join(batch.refused_detail.splitlines()[:10])
        text += f" {batch.refused} refused before any Twilio call: {names}"
    message_queued(request, subject=batch, text=text,
                   level=messages.WARNING if batch.refused else messages.SUCCESS)


def tenant_page_context(request, model_admin, tenant: Tenant) -> dict:
    pending = selectors.tenant_has_open_operations(tenant=tenant)
    return {
        "tenant_numbers": selectors.tenant_numbers(tenant=tenant),
        "tenant_services": selectors.tenant_services(tenant=tenant),
        "status_history": selectors.tenant_status_history(tenant=tenant),
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
        ("suspend_selected", "Suspend…", model_admin.has_suspend_permission,
         rules.ALLOWED_FROM[Kind.SUBACCOUNT_SUSPEND]),
        ("reactivate_selected", "Reactivate…", model_admin.has_reactivate_permission,
         rules.ALLOWED_FROM[Kind.SUBACCOUNT_REACTIVATE]),
        ("close_selected", "Close…", model_admin.has_close_permission, rules.ALLOWED_FROM[Kind.SUBACCOUNT_CLOSE]),
        ("retry_provisioning_selected", "Retry provisioning", model_admin.has_add_permission,
         {Tenant.Status.FAILED}),
    ]
    return [{"action": action, "label": label} for action, label, allowed, statuses in choices
            if tenant.status in statuses and allowed(request)]


def tenant_status_fragment(request, pk: int):
    """Polled by the tenant page while provisioning or an operation is in flight."""
    tenant = get_object_or_404(Tenant.objects.defer(*SECRET_FIELDS), pk=pk)
    if not request.user.has_perm("tenants.view_tenant"):
        raise PermissionDenied
    pending = selectors.tenant_has_open_operations(tenant=tenant)
    busy = pending or tenant.status == Tenant.Status.PROVISIONING
    return TemplateResponse(request, "admin/tenants/tenant/_status_fragment.html",
                            {"tenant": tenant, "busy": busy,
                             "recent_operations": selectors.tenant_recent_operations(tenant=tenant, limit=5)})


def _request_response(request, operation, is_new: bool, *, what: str):
    if not is_new:
        messages.info(request, f"{what} was already asked for (operation #{operation.pk}); it is still running.")
    else:
        message_queued(request, subject=operation,
                       text=f"{what} queued as operation #{operation.pk}; the tenant list updates when it is done.")
    return HttpResponseRedirect(reverse("admin:tenants_tenant_changelist"))


class SyncNowView(AdminPermissionView):
    permission = "sync"
    http_method_names = ["post"]

    def post(self, request):
        operation, is_new = services.tenants_sync_request(requested_by=request.user)
        return _request_response(request, operation, is_new, what="Sync from Twilio")


class ImportView(AdminPermissionView):
    permission = "import"
    http_method_names = ["post"]

    def post(self, request):
        operation, is_new = services.tenants_import_request(requested_by=request.user)
        return _request_response(request, operation, is_new, what="Import of unknown subaccounts")
