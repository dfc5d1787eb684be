"""Messages, the opt-out ledger (search, per-tenant view, CSV export and import) and service drift."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone

from owlie_portal.admin_tools import AppendOnlyAdmin, csv_response, export_csv_action, short_sid, tenant_label
from owlie_portal.errors import DomainError
from owlie_portal.tenants.models import SECRET_FIELDS, Tenant

from . import selectors, services
from .forms import OptOutImportForm
from .services.optouts import ImportRejected
from .models import Message, OptOut, OptOutEvent, ServiceDrift

NO_SECRETS = tuple(f"tenant__{name}" for name in SECRET_FIELDS)


@admin.register(Message)
class MessageAdmin(AppendOnlyAdmin):
    list_display = ["created_at", "direction", "tenant_col", "service", "from_number", "to_number", "status",
                    "error_code", "num_segments", "price", "sid_col"]
    list_filter = ["direction", "status", ("tenant", admin.RelatedOnlyFieldListFilter),
                   ("service", admin.RelatedOnlyFieldListFilter), "error_code"]
    search_fields = ["=sid", "to_number", "from_number", "tenant__name"]
    list_select_related = ["tenant", "service"]
    date_hierarchy = "created_at"
    actions = [export_csv_action(fields=[
        ("sid", "sid"), ("direction", "direction"), ("tenant", "tenant__name"), ("service", "service__sid"),
        ("from", "from_number"), ("to", "to_number"), ("status", "status"), ("error_code", "error_code"),
        ("segments", "num_segments"), ("price", "price"), ("created_at", "created_at"), ("sent_at", "sent_at")],
        filename_prefix="messages", defer=NO_SECRETS)]

    def get_queryset(self, request):
        return super().get_queryset(request).defer(*NO_SECRETS)

    @admin.display(description="tenant", ordering="tenant__name")
    def tenant_col(self, obj):
        return tenant_label(obj.tenant)

    @admin.display(description="SID", ordering="sid")
    def sid_col(self, obj):
        return short_sid(obj.sid)


class SuppressedForFilter(admin.SimpleListFilter):
    """Per tenant, as sends are checked: its own entries and those on the numbers it holds now."""

    title = "suppressed for tenant"
    parameter_name = "suppressed_for"

    def lookups(self, request, model_admin):
        return [(t.pk, t.name) for t in Tenant.objects.only("pk", "name").order_by("name")]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        tenant = Tenant.objects.only("pk").filter(pk=self.value()).first()
        return queryset.filter(pk__in=selectors.optouts_for_tenant(tenant=tenant).values("pk")) if tenant else \
            queryset.none()


EXPORT_FIELDS = [("recipient", "recipient"), ("received_on", "phone_number"), ("entry_tenant", "tenant__name"),
                 ("keyword", "keyword"), ("source", "source"), ("opted_out", "opted_out"),
                 ("opted_out_at", "opted_out_at"), ("opted_in_at", "opted_in_at"), ("message_sid", "message_sid")]


@admin.register(OptOut)
class OptOutAdmin(AppendOnlyAdmin):
    list_display = ["recipient", "opted_out", "phone_number", "tenant_col", "keyword", "source", "opted_out_at",
                    "opted_in_at", "message_sid"]
    list_filter = [SuppressedForFilter, "opted_out", "source", ("tenant", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["recipient", "phone_number", "=message_sid", "tenant__name"]
    list_select_related = ["tenant"]
    actions = [export_csv_action(fields=EXPORT_FIELDS, filename_prefix="optouts", defer=NO_SECRETS)]
    change_list_template = "admin/messaging/optout/change_list.html"

    def get_queryset(self, request):
        return super().get_queryset(request).defer(*NO_SECRETS)

    @admin.display(description="tenant of the entry", ordering="tenant__name")
    def tenant_col(self, obj):
        return tenant_label(obj.tenant)

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [path("import/", wrap(self.import_view), name="messaging_optout_import"),
                path("export/", wrap(self.export_view), name="messaging_optout_export"),
                *super().get_urls()]

    def export_view(self, request):
        """The whole list as filtered and searched on the page (e.g. ?suppressed_for=<tenant>&q=+1415)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        changelist = self.get_changelist_instance(request)
        rows = ([getattr(o, "tenant").name if attr == "tenant__name" and o.tenant_id else
                 ("" if attr == "tenant__name" else getattr(o, attr)) for _, attr in EXPORT_FIELDS]
                for o in changelist.get_queryset(request).iterator(chunk_size=1000))
        stamp = timezone.now().strftime("%Y%m%d-%H%M")
        return csv_response(filename=f"optouts-{stamp}.csv", header=[h for h, _ in EXPORT_FIELDS], rows=rows)

    def import_view(self, request):
        if not request.user.has_perm("messaging.add_optout"):
            raise PermissionDenied
        form = OptOutImportForm(request.POST or None, request.FILES or None)
        errors = []
        if request.method == "POST" and form.is_valid():
            tenant = form.cleaned_data["tenant"]
            try:
                text = form.cleaned_data["file"].read().decode("utf-8-sig")
                added = services.optouts_import(tenant=tenant, text=text, requested_by=request.user)
            except UnicodeDecodeError:
                errors = ["Nothing was imported: the file is not UTF-8 text (save it as CSV UTF-8)."]
            except ImportRejected as error:
                errors = ["Nothing was imported: fix these rows and upload the file again.", *error.lines]
            except DomainError as error:
                errors = [str(error)]
            else:
                messages.success(request, f"Imported {added} opt-out{'' if added == 1 else 's'} for {tenant.name}.")
                return HttpResponseRedirect(
                    reverse("admin:messaging_optout_changelist") + f"?suppressed_for={tenant.pk}")
        return TemplateResponse(request, "admin/messaging/form.html", {
            **self.admin_site.each_context(request), "opts": self.model._meta, "form": form, "errors": errors,
            "title": "Import opt-outs from CSV", "submit_label": "Import",
            "back_url": reverse("admin:messaging_optout_changelist"), "back_label": "Opt-outs",
            "intro": "Recipients in the file are never texted by this tenant until they reply START."})


@admin.register(OptOutEvent)
class OptOutEventAdmin(AppendOnlyAdmin):
    list_display = ["created_at", "recipient", "action", "keyword", "phone_number", "tenant", "source",
                    "message_sid", "created_by"]
    list_filter = ["action", "source", ("tenant", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["recipient", "phone_number", "=message_sid"]
    list_select_related = ["tenant", "created_by"]

    def get_queryset(self, request):
        return super().get_queryset(request).defer(*NO_SECRETS)


@admin.register(ServiceDrift)
class ServiceDriftAdmin(AppendOnlyAdmin):
    list_display = ["detected_at", "tenant", "service_sid", "field", "portal_value", "twilio_value"]
    list_filter = [("tenant", admin.RelatedOnlyFieldListFilter), "field"]
    search_fields = ["=service_sid", "tenant__name", "field"]
    list_select_related = ["tenant"]

    def get_queryset(self, request):
        return super().get_queryset(request).defer(*NO_SECRETS)
