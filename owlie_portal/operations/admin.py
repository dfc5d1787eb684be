"""Operation and Batch admins: the append-only ledger, its filters and export, and batch progress pages."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.utils.html import format_html

from owlie_portal.admin_tools import AppendOnlyAdmin, export_csv_action, short_sid, tenant_label

from . import views
from .models import Batch, Operation
from .registry import kind_choices, kind_entry


class KindFilter(admin.SimpleListFilter):
    title = "kind"
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        return kind_choices()

    def queryset(self, request, queryset):
        return queryset.filter(kind=self.value()) if self.value() else queryset


class RecentBatchFilter(admin.SimpleListFilter):
    """Offers the 20 latest batches; any batch id works through ?batch= (the progress page links it)."""

    title = "batch"
    parameter_name = "batch"

    def lookups(self, request, model_admin):
        return [(b.pk, f"#{b.pk} {b.description}") for b in Batch.objects.order_by("-created_at")[:20]]

    def queryset(self, request, queryset):
        return queryset.filter(batch_id=self.value()) if self.value() else queryset


class TenantParamFilter(admin.SimpleListFilter):
    """?tenant=<id> from the tenant page; no list of thousands of tenants in the sidebar."""

    title = "tenant"
    parameter_name = "tenant"

    def lookups(self, request, model_admin):
        if not self.value():
            return []
        tenant = Operation._meta.get_field("tenant").related_model.objects.filter(pk=self.value()).first()
        return [(tenant.pk, str(tenant))] if tenant else []

    def queryset(self, request, queryset):
        return queryset.filter(tenant_id=self.value()) if self.value() else queryset


@admin.register(Operation)
class OperationAdmin(AppendOnlyAdmin):
    list_display = ["id", "kind_col", "state", "tenant_col", "target_col", "batch_col", "attempts", "error_col",
                    "requested_by", "created_at"]
    list_filter = ["state", KindFilter, RecentBatchFilter, TenantParamFilter, "error_code"]
    search_fields = ["tenant__name", "=target_sid", "=result_sid", "=task_id", "error_message"]
    list_select_related = ["tenant", "batch", "requested_by"]
    show_full_result_count = False
    actions = ["export_csv"]
    export_csv = export_csv_action(
        fields=[("id", "id"), ("kind", "kind"), ("state", "state"), ("tenant", "tenant__name"),
                ("target_sid", "target_sid"), ("batch", "batch_id"), ("attempts", "attempts"),
                ("error_code", "error_code"), ("error_message", "error_message"), ("result_sid", "result_sid"),
                ("requested_by", "requested_by__username"), ("created_at", "created_at"),
                ("finished_at", "finished_at")],
        filename_prefix="operations",
    )

    @admin.display(description="kind", ordering="kind")
    def kind_col(self, obj):
        return obj.kind_label

    @admin.display(description="tenant", ordering="tenant__name")
    def tenant_col(self, obj):
        return tenant_label(obj.tenant) if obj.tenant_id else "—"

    @admin.display(description="object", ordering="target_sid")
    def target_col(self, obj):
        return short_sid(obj.target_sid)

    @admin.display(description="batch", ordering="batch")
    def batch_col(self, obj):
        return f"#{obj.batch_id}" if obj.batch_id else "—"

    @admin.display(description="error")
    def error_col(self, obj):
        if obj.error_code is None and not obj.error_message:
            return ""
        message = obj.error_message if len(obj.error_message) <= 90 else obj.error_message[:89] + "…"
        return format_html('<span title="{}">{}{}</span>', obj.error_message,
                           f"{obj.error_code}: " if obj.error_code else "", message)

    def get_queryset(self, request):
        # Tenants' encrypted secrets are never read for a list (decrypting costs; one bad row must not 500).
        return super().get_queryset(request).defer("tenant__auth_token", "tenant__api_key_secret")

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("operations.view_operation")

    def get_actions(self, request):
        return super().get_actions(request) if self.has_view_permission(request) else {}


@admin.register(Batch)
class BatchAdmin(AppendOnlyAdmin):
    list_display = ["id", "description", "kind_col", "total", "refused", "requested_by", "created_at",
                    "progress_link"]
    list_filter = ["kind", "requested_by"]
    search_fields = ["description"]
    list_select_related = ["requested_by"]

    @admin.display(description="kind", ordering="kind")
    def kind_col(self, obj):
        return obj.kind_label

    @admin.display(description="progress")
    def progress_link(self, obj):
        return format_html('<a href="{}">progress</a>', reverse("admin:operations_batch_progress", args=[obj.pk]))

    def has_retry_permission(self, request, batch):
        try:
            permission = kind_entry(batch.kind).retry_permission
        except LookupError:
            return False
        return bool(permission) and request.user.has_perm(permission)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return HttpResponseRedirect(reverse("admin:operations_batch_progress", args=[object_id]))

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("<int:pk>/progress/", wrap(views.BatchProgressView.as_view(model_admin=self)),
                 name="operations_batch_progress"),
            path("<int:pk>/retry-failed/", wrap(views.BatchRetryView.as_view(model_admin=self)),
                 name="operations_batch_retry"),
            *super().get_urls(),
        ]
