"""Small pieces every admin in the portal uses: CSV export, the read-only (append-only) mixin and the base of
an admin page guarded by one of its ModelAdmin's permissions."""

from __future__ import annotations

import csv

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.html import format_html
from django.views import View


class _Echo:
    def write(self, value):
        return value


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value):
    """Neutralise spreadsheet formulas: names can come from Twilio FriendlyNames a customer controls."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not _is_number(value):
        return "'" + value
    return value


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def csv_response(*, filename: str, header: list[str], rows) -> StreamingHttpResponse:
    """Stream rows as CSV so a 10,000-row export never sits in memory."""
    writer = csv.writer(_Echo())

    def lines():
        yield writer.writerow(header)
        for row in rows:
            yield writer.writerow([_cell(value) for value in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def export_csv_action(*, fields: list[tuple[str, str]], filename_prefix: str, defer: tuple[str, ...] = ()):
    """An admin action exporting the selection; `fields` are (header, attribute or callable name).

    `defer` names columns the export never reads (e.g. encrypted secrets, decrypted on load)."""

    @admin.action(description="Export selected to CSV")
    def export_csv(modeladmin, request, queryset):
        def value(obj, attr):
            if callable(getattr(modeladmin, attr, None)):
                return getattr(modeladmin, attr)(obj)
            result = obj
            for part in attr.split("__"):
                result = getattr(result, part, "") if result is not None else ""
            return "" if result is None else result

        selection = queryset.defer(*defer) if defer else queryset
        rows = ([value(obj, attr) for _, attr in fields] for obj in selection.iterator(chunk_size=1000))
        stamp = timezone.now().strftime("%Y%m%d-%H%M")
        return csv_response(filename=f"{filename_prefix}-{stamp}.csv", header=[h for h, _ in fields], rows=rows)

    return export_csv


class AdminPermissionView(View):
    """A page under a ModelAdmin's URLs, open to those its `has_<permission>_permission` lets in."""

    model_admin = None
    permission = ""

    def dispatch(self, request, *args, **kwargs):
        if not getattr(self.model_admin, f"has_{self.permission}_permission")(request):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class AppendOnlyAdmin(admin.ModelAdmin):
    """Rows written only by services: people may look, never add, change or delete."""

    # The read-only change page still builds the model's form; URLs are https by default (Django 6.0's rule).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def short_sid(sid: str | None):
    """A SID shortened for lists ("AC1f0c…9e2d"), the whole SID on hover and copied on click (owlie/copy.js)."""
    if not sid:
        return "—"
    short = sid if len(sid) <= 14 else f"{sid[:6]}…{sid[-4:]}"
    return format_html('<span class="owlie-sid" title="{} (click to copy)" data-copy="{}">{}</span>', sid, sid, short)


def tenant_label(tenant):
    """A tenant as lists show it: the name, with the ISV's external reference beside it (names can repeat)."""
    if tenant is None:
        return "Parent account"
    return format_html('{} <span class="owlie-ref">{}</span>', tenant.name, tenant.external_ref)
