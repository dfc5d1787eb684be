"""Tenant and drift admins. Actions only call services; nothing here touches Twilio."""

from __future__ import annotations

from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from owlie_portal.admin_tools import export_csv_action, short_sid, tenant_label
from owlie_portal.billing.selectors import spend_flag_expression
from owlie_portal.crypto import DecryptionError
from owlie_portal.errors import DomainError
from owlie_portal.operations.models import Operation
from owlie_portal.operations.registry import kind_label
from owlie_portal.operations.views import message_queued

from . import selectors, services, views
from .forms import AssignManagerForm, CloseForm, EmptyForm, SuspendForm, TenantAdminForm
from .kinds import Kind
from .models import SECRET_FIELDS, Tenant, TenantDrift

admin.site.disable_action("delete_selected")  # nothing in the portal is deleted from a list


class DriftFilter(admin.SimpleListFilter):
    title = "drift"
    parameter_name = "drift"

    def lookups(self, request, model_admin):
        return [("open", "Open drift"), ("none", "No open drift")]

    def queryset(self, request, queryset):
        if self.value() == "open":
            return queryset.filter(has_open_drift=True)
        if self.value() == "none":
            return queryset.filter(has_open_drift=False)
        return queryset


class AccountManagerFilter(admin.SimpleListFilter):
    """Only people in Account managers (the default filter lists every user)."""

    title = "account manager"
    parameter_name = "account_manager"

    def lookups(self, request, model_admin):
        return [(user.pk, user.get_full_name() or user.username) for user in selectors.account_managers()]

    def queryset(self, request, queryset):
        return queryset.filter(account_manager_id=self.value()) if self.value() else queryset


class BatchFilter(admin.SimpleListFilter):
    """?batch=<id>: the tenants of one bulk action ("select these tenants" on the batch page)."""

    title = "batch"
    parameter_name = "batch"

    def lookups(self, request, model_admin):
        return [(self.value(), f"Batch #{self.value()}")] if self.value() else []

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        return queryset.filter(pk__in=Operation.objects.filter(batch_id=self.value()).values("tenant_id"))


@admin.register(Tenant)
class TenantAdmin(admin.ModelAdmin):
    form = TenantAdminForm
    list_display = ["customer", "sid_col", "status_badge", "drift_flag", "number_count_col", "service_count_col",
                    "last_operation", "account_manager", "spend_col", "last_synced_at"]
    list_display_links = ["customer"]
    list_filter = ["status", "suspension_reason", DriftFilter, AccountManagerFilter, BatchFilter]
    search_fields = ["name", "=subaccount_sid", "external_ref"]
    list_per_page = 100
    show_full_result_count = False  # one COUNT less per page on 10,000 tenants
    actions = ["suspend_selected", "reactivate_selected", "close_selected", "retry_provisioning_selected",
               "assign_account_manager", "export_csv"]
    change_list_template = "admin/tenants/tenant/change_list.html"
    change_form_template = "admin/tenants/tenant/change_form.html"
    readonly_fields = ["subaccount_sid", "status", "friendly_name", "secrets", "api_key_sid",
                       "suspension_reason", "suspension_note", "last_synced_at", "created_at"]

    export_csv = export_csv_action(
        fields=[("name", "name"), ("external_ref", "external_ref"), ("subaccount_sid", "subaccount_sid"),
                ("status", "status"), ("numbers", "number_count"), ("services", "service_count"),
                ("account_manager", "account_manager__username"), ("last_synced_at", "last_synced_at")],
        filename_prefix="tenants",
        defer=SECRET_FIELDS,
    )

    def get_queryset(self, request):
        spend_flag = spend_flag_expression(today=timezone.localdate())  # billing: crossed its warning level
        return selectors.tenants_for_changelist(super().get_queryset(request)).annotate(spend_flag=spend_flag)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["name", "external_ref", "account_manager"]
        return ["name", "external_ref", "account_manager", *self.readonly_fields]

    def get_readonly_fields(self, request, obj=None):
        fields = [] if obj is None else [*self.readonly_fields, "external_ref"]
        if not self.has_assign_permission(request):
            fields.append("account_manager")  # administrators only, as in the bulk assign action
        return fields

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "account_manager":
            kwargs["queryset"] = selectors.account_managers()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_change_permission(self, request, obj=None):
        # Closing is final at Twilio: a closed tenant can be looked at, never edited.
        if obj is not None and obj.status == Tenant.Status.CLOSED:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    # Permission hooks named by @admin.action(permissions=[...]).
    def has_suspend_permission(self, request):
        return request.user.has_perm("tenants.suspend_tenant")

    def has_reactivate_permission(self, request):
        return request.user.has_perm("tenants.reactivate_tenant")

    def has_close_permission(self, request):
        return request.user.has_perm("tenants.close_tenant")

    def has_sync_permission(self, request):
        return request.user.has_perm("tenants.sync_tenant")

    def has_import_permission(self, request):
        return request.user.has_perm("tenants.import_tenants")

    def has_assign_permission(self, request):
        return request.user.has_perm("tenants.assign_account_manager")

    # Columns (values come from the selector's annotations: no query per row).
    @admin.display(description="customer", ordering="name")
    def customer(self, obj):
        return tenant_label(obj)

    @admin.display(description="subaccount", ordering="subaccount_sid")
    def sid_col(self, obj):
        return short_sid(obj.subaccount_sid)

    @admin.display(description="status", ordering="status")
    def status_badge(self, obj):
        return format_html('<span class="owlie-status owlie-status-{}">{}</span>', obj.status, obj.get_status_display())

    @admin.display(description="sync", boolean=True, ordering="has_open_drift")
    def drift_flag(self, obj):
        return not obj.has_open_drift

    @admin.display(description="numbers", ordering="number_count")
    def number_count_col(self, obj):
        return obj.number_count

    @admin.display(description="services", ordering="service_count")
    def service_count_col(self, obj):
        return obj.service_count

    @admin.display(description="spend", ordering="spend_flag")
    def spend_col(self, obj):
        flag = '<span class="owlie-status owlie-status-suspended" title="Crossed its spend warning level">warning</span>'
        return mark_safe(flag) if obj.spend_flag else ""

    @admin.display(description="last op")
    def last_operation(self, obj):
        if not obj.last_op_id:
            return "—"
        url = reverse("admin:operations_operation_change", args=[obj.last_op_id])
        label = f"{kind_label(obj.last_op_kind)}: {obj.last_op_state}"
        return format_html('<a href="{}">{}</a>', url, label)

    @admin.display(description="credentials")
    def secrets(self, obj):
        # Never shown, never logged: only whether they are stored (and readable with today's keys).
        return f"auth token: {_secret_state(obj, 'auth_token')}; API key secret: {_secret_state(obj, 'api_key_secret')}"

    # Create goes through the service, which enqueues provisioning.
    def save_model(self, request, obj, form, change):
        if change:
            obj.save(update_fields=[*(f for f in ("name", "account_manager") if f in form.fields), "updated_at"])
            return
        created = services.tenant_create(name=obj.name, external_ref=obj.external_ref, requested_by=request.user,
                                         account_manager=obj.account_manager)
        obj.pk, obj.provision_key, obj.friendly_name = created.pk, created.provision_key, created.friendly_name
        obj._state.adding = False
        message_queued(request, subject=created.provisioning_operation,
                       text=f"Provisioning a Twilio subaccount for {created.name}; this page shows its progress.",
                       level=messages.INFO)

    def response_add(self, request, obj, post_url_continue=None):
        return HttpResponseRedirect(reverse("admin:tenants_tenant_change", args=[obj.pk]))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        tenant = self.get_object(request, object_id)
        extra_context = extra_context or {}
        if tenant is not None:
            extra_context.update(views.tenant_page_context(request, self, tenant))
        return super().change_view(request, object_id, form_url, extra_context)

    # Lifecycle actions: without `confirm` they render the confirmation page; nothing touches Twilio.
    @admin.action(description="Suspend selected tenants", permissions=["suspend"])
    def suspend_selected(self, request, queryset):
        return self._status_action(request, queryset, Kind.SUBACCOUNT_SUSPEND)

    @admin.action(description="Reactivate selected tenants", permissions=["reactivate"])
    def reactivate_selected(self, request, queryset):
        return self._status_action(request, queryset, Kind.SUBACCOUNT_REACTIVATE)

    @admin.action(description="Close selected tenants (irreversible)", permissions=["close"])
    def close_selected(self, request, queryset):
        return self._status_action(request, queryset, Kind.SUBACCOUNT_CLOSE)

    @admin.action(description="Retry provisioning of selected failed tenants", permissions=["add"])
    def retry_provisioning_selected(self, request, queryset):
        queued, refused, last = 0, [], None
        for tenant in queryset:
            try:
                last = services.tenant_retry_provisioning(tenant=tenant, requested_by=request.user)
                queued += 1
            except DomainError as error:
                refused.append(str(error))
        if queued:
            message_queued(request, subject=last,
                           text=f"Provisioning queued again for {queued} tenant{'' if queued == 1 else 's'}.")
        if refused:
            self.message_user(request, " ".join(refused[:10]), messages.WARNING)

    @admin.action(description="Assign an account manager…", permissions=["assign"])
    def assign_account_manager(self, request, queryset):
        form = AssignManagerForm(request.POST if request.POST.get("confirm") == "yes" else None)
        if form.is_bound and form.is_valid():
            count = services.tenants_assign_account_manager(
                tenants=queryset, account_manager=form.cleaned_data["account_manager"])
            self.message_user(request, f"{form.cleaned_data['account_manager']} now manages {count} tenant{'' if count == 1 else 's'}.",
                              messages.SUCCESS)
            return None
        return views.confirmation_page(request, self, queryset=queryset, kind=None, form=form,
                                       allowed=list(queryset.defer(*SECRET_FIELDS).order_by("name")),
                                       refused=[], single=None,
                                       label="Assign an account manager")

    def _form_for(self, kind, data, count, single):
        if kind == Kind.SUBACCOUNT_SUSPEND:
            return SuspendForm(data)
        if kind == Kind.SUBACCOUNT_CLOSE:
            return CloseForm(data, expected=single.name if single else f"close {count} tenants")
        return EmptyForm(data)

    def _status_action(self, request, queryset, kind):
        allowed, refused = services.tenants_check_status_change(tenants=queryset, kind=kind)
        single = allowed[0] if len(allowed) == 1 and not refused else None
        confirmed = request.POST.get("confirm") == "yes"
        form = self._form_for(kind, request.POST if confirmed else None, len(allowed), single)
        # Nothing allowed means nothing to confirm: re-show the refusals instead of an empty batch.
        if confirmed and allowed and form.is_valid():
            return self._perform(request, queryset, kind, form.cleaned_data, single)
        return views.confirmation_page(request, self, queryset=queryset, kind=kind, form=form,
                                       allowed=allowed, refused=refused, single=single)

    def _perform(self, request, queryset, kind, data, single):
        reason, note = data.get("reason", ""), data.get("note", "")
        move_first = data.get("move_numbers_first", False)
        if single is not None:
            try:
                operation = services.tenant_request_status_change(
                    tenant=single, kind=kind, requested_by=request.user, reason=reason, note=note,
                    move_numbers_first=move_first)
            except DomainError as error:
                self.message_user(request, str(error), messages.ERROR)
                return None
            message_queued(request, subject=operation,
                           text=f"{Kind(kind).label} queued for {single.name}.")
            return HttpResponseRedirect(reverse("admin:tenants_tenant_change", args=[single.pk]))
        batch = services.tenants_bulk_status_change(tenants=queryset, kind=kind, requested_by=request.user,
                                                    reason=reason, note=note, move_numbers_first=move_first)
        views.message_batch_queued(self, request, batch)
        return HttpResponseRedirect(reverse("admin:operations_batch_progress", args=[batch.pk]))

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("sync/", wrap(views.SyncNowView.as_view(model_admin=self)), name="tenants_tenant_sync"),
            path("import/", wrap(views.ImportView.as_view(model_admin=self)), name="tenants_tenant_import"),
            path("<int:pk>/status-fragment/", wrap(views.tenant_status_fragment), name="tenants_tenant_status"),
            *super().get_urls(),
        ]


def _secret_state(tenant: Tenant, field: str) -> str:
    """Secrets are deferred: reading one loads and decrypts it, which fails after a lost key."""
    try:
        stored = getattr(tenant, field)
    except DecryptionError:
        return "secret unreadable"
    return "stored (encrypted)" if stored else "not yet"


@admin.register(TenantDrift)
class TenantDriftAdmin(admin.ModelAdmin):
    list_display = ["detected_at", "kind", "tenant_col", "sid_col", "portal_value", "twilio_value", "resolved_at"]
    list_filter = ["kind", ("resolved_at", admin.EmptyFieldListFilter)]
    search_fields = ["tenant__name", "=subaccount_sid", "detail"]
    list_select_related = ["tenant", "resolved_by"]
    readonly_fields = [f.name for f in TenantDrift._meta.fields]
    actions = ["mark_resolved"]

    @admin.display(description="tenant", ordering="tenant__name")
    def tenant_col(self, obj):
        return tenant_label(obj.tenant) if obj.tenant_id else "—"

    @admin.display(description="subaccount", ordering="subaccount_sid")
    def sid_col(self, obj):
        return short_sid(obj.subaccount_sid)

    def get_queryset(self, request):
        return super().get_queryset(request).defer(*(f"tenant__{name}" for name in SECRET_FIELDS))

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Mark selected drift as resolved", permissions=["change"])
    def mark_resolved(self, request, queryset):
        resolved = services.drifts_resolve(drifts=queryset, resolved_by=request.user)
        self.message_user(request, f"Marked {resolved} drift record{'' if resolved == 1 else 's'} resolved.",
                          messages.SUCCESS)

