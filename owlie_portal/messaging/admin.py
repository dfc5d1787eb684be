"""Messaging Services in the admin: create (with the tenant's credentials), add / remove numbers, default,
sync, and "send a test message". Pages only call services; nothing here touches Twilio."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse

from owlie_portal.admin_tools import short_sid, tenant_label
from owlie_portal.errors import DomainError
from owlie_portal.numbers.models import PhoneNumber
from owlie_portal.operations.views import message_queued
from owlie_portal.tenants.models import SECRET_FIELDS

from . import admin_ledger  # noqa: F401  (registers the ledger's admins)
from . import services
from .forms import AddNumbersForm, SendTestForm, ServiceCreateForm
from .models import Message, MessagingService
from .services.webhooks import RANK

IN_FLIGHT = {status for status, rank in RANK.items() if rank < 4}


@admin.register(MessagingService)
class MessagingServiceAdmin(admin.ModelAdmin):
    list_display = ["friendly_name", "sid_col", "tenant_col", "is_default", "numbers", "sticky_sender",
                    "validity_period", "last_synced_at"]
    list_filter = [("tenant", admin.RelatedOnlyFieldListFilter), "is_default", "sticky_sender"]
    search_fields = ["friendly_name", "=sid", "tenant__name", "tenant__external_ref"]
    list_select_related = ["tenant"]
    readonly_fields = ["friendly_name", "sid", "tenant", "is_default", "inbound_request_url", "status_callback",
                       "sticky_sender", "area_code_geomatch", "smart_encoding", "validity_period",
                       "last_synced_at", "created_at"]
    actions = ["make_default", "sync_from_twilio"]

    def get_queryset(self, request):
        return super().get_queryset(request).defer(*(f"tenant__{name}" for name in SECRET_FIELDS))

    @admin.display(description="SID", ordering="sid")
    def sid_col(self, obj):
        return short_sid(obj.sid)

    @admin.display(description="tenant", ordering="tenant__name")
    def tenant_col(self, obj):
        return tenant_label(obj.tenant)

    @admin.display(description="numbers")
    def numbers(self, obj):
        return obj.phone_numbers.count()

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return request.user.has_perm("messaging.manage_service")

    def has_manage_permission(self, request):
        return request.user.has_perm("messaging.manage_service")

    @admin.action(description="Make the selected service its tenant's default", permissions=["manage"])
    def make_default(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, "Choose exactly one service to make the default.", messages.ERROR)
            return None
        service = queryset.get()
        try:
            services.service_set_default(service=service)
        except DomainError as error:
            self.message_user(request, str(error), messages.ERROR)
            return None
        self.message_user(request, f"{service.friendly_name} is now {service.tenant.name}'s default service.")
        return None

    @admin.action(description="Sync the selected services' tenants from Twilio", permissions=["manage"])
    def sync_from_twilio(self, request, queryset):
        tenants = {service.tenant for service in queryset.select_related("tenant")}
        for tenant in tenants:
            try:
                operation = services.services_sync(tenant=tenant, requested_by=request.user)
            except DomainError as error:
                self.message_user(request, str(error), messages.ERROR)
                continue
            message_queued(request, subject=operation, text=f"Sync of {tenant.name}'s Messaging Services queued; "
                           "differences appear under Service drift.")

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("<int:pk>/send/", wrap(self.send_view), name="messaging_messagingservice_send"),
            path("<int:pk>/numbers/add/", wrap(self.add_numbers_view), name="messaging_messagingservice_add_numbers"),
            path("<int:pk>/numbers/<int:number_pk>/remove/", wrap(self.remove_number_view),
                 name="messaging_messagingservice_remove_number"),
            path("<int:pk>/default/", wrap(self.default_view), name="messaging_messagingservice_default"),
            *super().get_urls(),
        ]

    def _page(self, request, *, form, title, submit_label, service=None, intro="", errors=()):
        back = reverse("admin:messaging_messagingservice_change", args=[service.pk]) if service else \
            reverse("admin:messaging_messagingservice_changelist")
        return TemplateResponse(request, "admin/messaging/form.html", {
            **self.admin_site.each_context(request), "opts": self.model._meta, "title": title, "form": form,
            "submit_label": submit_label, "intro": intro, "errors": errors, "back_url": back,
            "back_label": service.friendly_name if service else "Messaging services"})

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = ServiceCreateForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                operation = services.service_create(requested_by=request.user, **form.cleaned_data)
            except DomainError as error:
                form.add_error(None, str(error))
            else:
                message_queued(request, subject=operation, text=f"Creating the Messaging Service "
                               f"{operation.params['friendly_name']} in {operation.tenant.name}'s subaccount; "
                               "it appears in this list when Twilio has made it.")
                return HttpResponseRedirect(reverse("admin:messaging_messagingservice_changelist"))
        return self._page(request, form=form, title="Create a Messaging Service", submit_label="Create service",
                          intro="The service is created in the tenant's own subaccount, with its inbound and "
                                "status webhooks pointing at this portal.",
                          errors=form.non_field_errors())

    def change_view(self, request, object_id, form_url="", extra_context=None):
        service = self.get_object(request, object_id)
        extra = {}
        if service is not None:
            latest = list(Message.objects.filter(service=service).order_by("-created_at", "-id")[:20])
            extra = {"service_numbers": PhoneNumber.objects.filter(messaging_service=service),
                     "service_messages": latest,
                     "in_flight": any(m.status in IN_FLIGHT for m in latest),
                     "can_send": request.user.has_perm("messaging.send_message"),
                     "can_manage": self.has_manage_permission(request)}
        return super().change_view(request, object_id, form_url, {**(extra_context or {}), **extra})

    def _service(self, request, pk, perm):
        if not request.user.has_perm(perm):
            raise PermissionDenied
        return get_object_or_404(MessagingService.objects.select_related("tenant"), pk=pk)

    def send_view(self, request, pk):
        service = self._service(request, pk, "messaging.send_message")
        form = SendTestForm(request.POST or None)
        back = HttpResponseRedirect(reverse("admin:messaging_messagingservice_change", args=[service.pk]))
        if request.method == "POST" and form.is_valid():
            try:
                message = services.message_send(tenant=service.tenant, service=service, requested_by=request.user,
                                                **form.cleaned_data)
            except DomainError as error:
                form.add_error(None, str(error))
            else:
                if message.status == Message.Status.SUPPRESSED:
                    messages.error(request, f"Not sent: the portal refuses to text {message.to_number}. "
                                            f"{message.error_message}")
                else:
                    message_queued(request, subject=message.operation,
                                   text=f"Sending to {message.to_number} through {service.friendly_name}.")
                return back
        return self._page(request, form=form, title=f"Send a test message through {service.friendly_name}",
                          submit_label="Send", service=service, errors=form.non_field_errors(),
                          intro=f"Sent as {service.tenant.name}'s subaccount through this Messaging Service.")

    def add_numbers_view(self, request, pk):
        service = self._service(request, pk, "messaging.manage_service")
        form = AddNumbersForm(request.POST or None, service=service)
        if request.method == "POST" and form.is_valid():
            try:
                batch = services.service_add_numbers(service=service, numbers=list(form.cleaned_data["numbers"]),
                                                     requested_by=request.user)
            except DomainError as error:
                form.add_error(None, str(error))
            else:
                message_queued(request, subject=batch, text=f"Adding {batch.total} number"
                               f"{'' if batch.total == 1 else 's'} to {service.friendly_name}.")
                return HttpResponseRedirect(reverse("admin:operations_batch_progress", args=[batch.pk]))
        return self._page(request, form=form, title=f"Add numbers to {service.friendly_name}",
                          submit_label="Add numbers", service=service, errors=form.non_field_errors(),
                          intro=f"Only {service.tenant.name}'s own numbers can join its services.")

    def remove_number_view(self, request, pk, number_pk):
        service = self._service(request, pk, "messaging.manage_service")
        if request.method != "POST":
            raise PermissionDenied
        number = get_object_or_404(PhoneNumber, pk=number_pk)
        try:
            operation = services.service_remove_number(service=service, number=number, requested_by=request.user)
        except DomainError as error:
            messages.error(request, str(error))
        else:
            message_queued(request, subject=operation,
                           text=f"Removing {number.phone_number} from {service.friendly_name}.")
        return HttpResponseRedirect(reverse("admin:messaging_messagingservice_change", args=[service.pk]))

    def default_view(self, request, pk):
        service = self._service(request, pk, "messaging.manage_service")
        if request.method != "POST":
            raise PermissionDenied
        try:
            services.service_set_default(service=service)
        except DomainError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, f"{service.friendly_name} is now {service.tenant.name}'s default service.")
        return HttpResponseRedirect(reverse("admin:messaging_messagingservice_change", args=[service.pk]))
