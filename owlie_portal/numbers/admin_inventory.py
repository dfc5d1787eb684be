"""The number list's inventory side: search, filters, export, buy and release (PhoneNumberAdmin mixes it in)."""

from __future__ import annotations

import re

from django.contrib import admin
from django.db.models import Exists, OuterRef
from django.urls import path

from owlie_portal.tenants.models import SECRET_FIELDS, Tenant

from . import views_inventory
from .models import NumberDrift

# What a phone number typed any common way is made of: digits, spaces, + ( ) - . /
NUMBER_LIKE = re.compile(r"[\d\s+()\-./]+")
MIN_DIGITS = 3


def digits_of(term: str) -> str:
    """The digits of a search term that looks like (part of) a phone number, else ""."""
    term = term.strip()
    if not NUMBER_LIKE.fullmatch(term):
        return ""
    digits = re.sub(r"\D", "", term)
    return digits if len(digits) >= MIN_DIGITS else ""


class OwnerFilter(admin.SimpleListFilter):
    """?tenant=parent or ?tenant=<id>: the parent's numbers or one tenant's (linked from the tenant page),
    never a list of thousands of tenants."""

    title = "owner"
    parameter_name = "tenant"

    def lookups(self, request, model_admin):
        choices = [("parent", "Parent account"), ("tenants", "Any tenant")]
        value = self.value()
        if value and value.isdigit():
            tenant = Tenant.objects.filter(pk=value).only("name").first()
            choices.append((value, tenant.name if tenant else f"Tenant #{value}"))
        return choices

    def queryset(self, request, queryset):
        value = self.value()
        if value == "parent":
            return queryset.filter(tenant__isnull=True)
        if value == "tenants":
            return queryset.filter(tenant__isnull=False)
        if value and value.isdigit():
            return queryset.filter(tenant_id=int(value))
        return queryset


class CapabilityFilter(admin.SimpleListFilter):
    title = "capability"
    parameter_name = "capability"

    def lookups(self, request, model_admin):
        return [("sms", "SMS"), ("mms", "MMS"), ("voice", "Voice"), ("voice_only", "Voice only (no SMS)")]

    def queryset(self, request, queryset):
        return {
            "sms": lambda: queryset.filter(sms_capable=True),
            "mms": lambda: queryset.filter(mms_capable=True),
            "voice": lambda: queryset.filter(voice_capable=True),
            "voice_only": lambda: queryset.filter(voice_capable=True, sms_capable=False),
        }.get(self.value(), lambda: queryset)()


class ServiceFilter(admin.SimpleListFilter):
    title = "Messaging Service"
    parameter_name = "in_service"

    def lookups(self, request, model_admin):
        return [("yes", "In a service"), ("no", "In no service")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(messaging_service__isnull=False)
        if self.value() == "no":
            return queryset.filter(messaging_service__isnull=True)
        return queryset


class NumberDriftFilter(admin.SimpleListFilter):
    title = "drift"
    parameter_name = "drift"

    def lookups(self, request, model_admin):
        return [("open", "Open drift"), ("none", "No open drift"), *NumberDrift.Kind.choices]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "open":
            return queryset.filter(has_open_drift=True)
        if value == "none":
            return queryset.filter(has_open_drift=False)
        if value in NumberDrift.Kind.values:
            return queryset.filter(Exists(open_drifts().filter(kind=value)))
        return queryset


def open_drifts():
    return NumberDrift.objects.filter(number_sid=OuterRef("sid"), resolved_at__isnull=True)


class InventoryAdminMixin:
    inventory_actions: list[str] = ["release_selected"]
    change_list_template = "admin/numbers/phonenumber/change_list.html"

    def get_queryset(self, request):
        return (super().get_queryset(request).annotate(has_open_drift=Exists(open_drifts()))
                .defer(*(f"tenant__{name}" for name in SECRET_FIELDS)))

    def get_search_results(self, request, queryset, search_term):
        """Any form of a number ("+1 (415) 874-0103", "874-0103") matches by its digits; else SID or name."""
        digits = digits_of(search_term)
        if digits:
            return queryset.filter(phone_number__contains=digits), False
        term = search_term.strip()
        if re.fullmatch(r"PN[0-9a-fA-F]{4,32}", term):
            return queryset.filter(sid__startswith="PN" + term[2:].lower()), False
        return super().get_search_results(request, queryset, search_term)

    # Permission hooks named by @admin.action(permissions=[...]).
    def has_buy_permission(self, request):
        return request.user.has_perm("numbers.buy_number")

    def has_release_permission(self, request):
        return request.user.has_perm("numbers.release_number")

    def has_sync_permission(self, request):
        return request.user.has_perm("tenants.sync_tenant")

    @admin.action(description="Release the selected number…", permissions=["release"])
    def release_selected(self, request, queryset):
        return views_inventory.release_from_selection(self, request, queryset)

    def inventory_urls(self) -> list:
        wrap = self.admin_site.admin_view
        return [
            path("buy/", wrap(views_inventory.BuyView.as_view(model_admin=self)), name="numbers_phonenumber_buy"),
            path("sync/", wrap(views_inventory.SyncNowView.as_view(model_admin=self)),
                 name="numbers_phonenumber_sync"),
            path("<int:pk>/release/", wrap(views_inventory.ReleaseView.as_view(model_admin=self)),
                 name="numbers_phonenumber_release"),
        ]

