"""The phone number admin: inventory (admin_inventory.py) and moves (admin_move.py) mixed into one list."""

from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html

from owlie_portal.admin_tools import AppendOnlyAdmin, export_csv_action, short_sid, tenant_label
from owlie_portal.tenants.models import SECRET_FIELDS

from .admin_inventory import CapabilityFilter, InventoryAdminMixin, NumberDriftFilter, OwnerFilter, ServiceFilter
from .admin_move import MoveAdminMixin
from .models import NumberDrift, PhoneNumber
from .services.inventory import drifts_resolve, owner_label


def _capabilities(obj) -> str:
    return " ".join(name for name, on in (("SMS", obj.sms_capable), ("MMS", obj.mms_capable),
                                          ("Voice", obj.voice_capable)) if on) or "—"


@admin.register(PhoneNumber)
class PhoneNumberAdmin(InventoryAdminMixin, MoveAdminMixin, AppendOnlyAdmin):
    """Numbers change only through services (buy, move, release); the list is where support staff start."""

    list_display = ["phone_number", "sid_col", "owner_col", "capabilities_col", "service_col", "status",
                    "drift_flag", "last_synced_at"]
    list_filter = [OwnerFilter, CapabilityFilter, ServiceFilter, NumberDriftFilter, "status"]
    search_fields = ["=sid", "friendly_name", "tenant__name", "tenant__external_ref"]
    list_select_related = ["tenant", "messaging_service"]
    list_per_page = 100
    show_full_result_count = False  # one COUNT less per page on 50,000 numbers
    export_csv = export_csv_action(
        fields=[("phone_number", "phone_number"), ("sid", "sid"), ("owner", "csv_owner"),
                ("owner_account_sid", "csv_account_sid"), ("sms", "sms_capable"), ("mms", "mms_capable"),
                ("voice", "voice_capable"), ("messaging_service", "messaging_service__friendly_name"),
                ("status", "status"), ("sms_url", "sms_url"), ("voice_url", "voice_url"),
                ("status_callback", "status_callback"), ("last_synced_at", "last_synced_at")],
        filename_prefix="phone-numbers",
        defer=tuple(f"tenant__{name}" for name in SECRET_FIELDS),
    )

    @property
    def actions(self):
        return ["export_csv", *self.inventory_actions, *self.move_actions]

    def get_urls(self):
        return [*self.inventory_urls(), *self.move_urls(), *super().get_urls()]

    @admin.display(description="SID", ordering="sid")
    def sid_col(self, obj):
        return short_sid(obj.sid)

    @admin.display(description="owner", ordering="tenant__name")
    def owner_col(self, obj):
        if obj.tenant_id is None:
            return tenant_label(None)
        url = reverse("admin:tenants_tenant_change", args=[obj.tenant_id])
        return format_html('<a href="{}">{}</a>', url, tenant_label(obj.tenant))

    @admin.display(description="capabilities")
    def capabilities_col(self, obj):
        return _capabilities(obj)

    @admin.display(description="service", ordering="messaging_service__friendly_name")
    def service_col(self, obj):
        return obj.messaging_service.friendly_name if obj.messaging_service_id else "—"

    @admin.display(description="sync", boolean=True, ordering="has_open_drift")
    def drift_flag(self, obj):
        return not obj.has_open_drift

    def csv_owner(self, obj):
        return owner_label(obj.tenant) if obj.tenant_id else "parent account"

    def csv_account_sid(self, obj):
        return obj.tenant.subaccount_sid if obj.tenant_id else ""


@admin.register(NumberDrift)
class NumberDriftAdmin(admin.ModelAdmin):
    list_display = ["detected_at", "kind", "phone_number", "sid_col", "owner_col", "portal_value", "twilio_value",
                    "resolved_at"]
    list_filter = ["kind", ("resolved_at", admin.EmptyFieldListFilter)]
    search_fields = ["phone_number", "=number_sid", "tenant__name", "detail"]
    list_select_related = ["tenant"]
    readonly_fields = [f.name for f in NumberDrift._meta.fields]
    actions = ["mark_resolved"]

    def get_queryset(self, request):
        return super().get_queryset(request).defer(*(f"tenant__{name}" for name in SECRET_FIELDS))

    @admin.display(description="SID", ordering="number_sid")
    def sid_col(self, obj):
        return short_sid(obj.number_sid)

    @admin.display(description="portal owner", ordering="tenant__name")
    def owner_col(self, obj):
        return tenant_label(obj.tenant)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Mark selected drift as resolved", permissions=["change"])
    def mark_resolved(self, request, queryset):
        resolved = drifts_resolve(drifts=queryset, resolved_by=request.user)
        self.message_user(request, f"Marked {resolved} drift record{'' if resolved == 1 else 's'} resolved.",
                          messages.SUCCESS)
