"""Billing in the admin: "Usage (month overview)" on the index opens the overview; billing settings are
edited by administrators only. The pages themselves are views (views.py) under this admin's URLs."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpResponseRedirect
from django.urls import path, reverse

from owlie_portal.admin_tools import AppendOnlyAdmin

from . import views
from .models import BillingProfile, UsageRecord
from .services import billing_profile_update


@admin.register(UsageRecord)
class UsageRecordAdmin(AppendOnlyAdmin):
    """No list of raw records: the index entry leads to the month overview, which reads as people bill."""

    def has_module_permission(self, request):
        return request.user.has_perm("tenants.view_billing")

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("tenants.view_billing")

    def changelist_view(self, request, extra_context=None):
        return HttpResponseRedirect(reverse("admin:billing_overview"))

    def get_urls(self):
        wrap, site = self.admin_site.admin_view, self.admin_site

        def bound(view):
            return wrap(lambda request, **kwargs: view(request, site, **kwargs))

        return [
            path("overview/", bound(views.month_overview), name="billing_overview"),
            path("rebilling.csv", bound(views.rebilling_csv), name="billing_rebilling_csv"),
            path("tenant/<int:pk>/", bound(views.tenant_billing), name="billing_tenant"),
            path("tenant/<int:pk>/history.csv", bound(views.tenant_history_csv), name="billing_tenant_csv"),
            path("sync/", bound(views.sync_now), name="billing_sync"),
            *super().get_urls(),
        ]


@admin.register(BillingProfile)
class BillingProfileAdmin(admin.ModelAdmin):
    list_display = ["tenant", "markup_percent", "monthly_fee", "spend_cap", "warning_percent", "cap_policy",
                    "warned_month", "capped_month", "usage_synced_at"]
    list_filter = ["cap_policy"]
    search_fields = ["tenant__name", "tenant__external_ref"]
    list_select_related = ["tenant"]
    fields = ["tenant", "markup_percent", "monthly_fee", "spend_cap", "warning_percent", "cap_policy",
              "warned_month", "capped_month", "usage_synced_at", "usage_sync_error"]
    readonly_fields = ["warned_month", "capped_month", "usage_synced_at", "usage_sync_error"]
    autocomplete_fields = []
    raw_id_fields = ["tenant"]

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        # Through the service, so the admin and every other caller share one validation.
        obj.pk = billing_profile_update(
            tenant=obj.tenant, markup_percent=obj.markup_percent, monthly_fee=obj.monthly_fee,
            spend_cap=obj.spend_cap, warning_percent=obj.warning_percent, cap_policy=obj.cap_policy).pk
