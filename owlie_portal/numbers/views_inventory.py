"""Admin pages of the number inventory: buy (search → results → confirm), release (confirm), sync now.

Nothing here touches Twilio except the read-only search of numbers for sale; changes are Operations."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse

from owlie_portal.admin_tools import AdminPermissionView
from owlie_portal.errors import DomainError
from owlie_portal.operations.views import message_queued
from owlie_portal.tenants.models import SECRET_FIELDS
from owlie_portal.twilio_gateway.errors import TwilioError, explain

from . import services
from .forms import BuyConfirmForm, BuySearchForm, ReleaseForm
from .models import PhoneNumber
from .services.buy import webhook_urls


class _AdminView(AdminPermissionView):
    def render(self, request, template: str, title: str, **context):
        return TemplateResponse(request, template, {
            **self.model_admin.admin_site.each_context(request), "opts": PhoneNumber._meta, "title": title,
            **context})


def list_url(tenant=None) -> str:
    owner = tenant.pk if tenant is not None else "parent"
    return f"{reverse('admin:numbers_phonenumber_changelist')}?tenant={owner}"


class BuyView(_AdminView):
    """GET: the search form and, once searched, the numbers for sale. POST: confirm, then buy."""

    permission = "buy"
    template = "admin/numbers/phonenumber/buy.html"

    def get(self, request):
        searched = "country" in request.GET
        form = BuySearchForm(request.GET if searched else None, initial={"tenant": request.GET.get("tenant")})
        results, error = [], ""
        if searched and form.is_valid():
            data = form.cleaned_data
            try:
                results = services.available_numbers_search(
                    tenant=data["tenant"], country=data["country"], area_code=data["area_code"],
                    contains=data["contains"], sms=data["sms"], voice=data["voice"])
            except TwilioError as failure:
                error = explain(failure.code, failure.message)
        return self.render(request, self.template, "Buy a phone number", form=form, results=results,
                           searched=searched and form.is_valid(), error=error,
                           owner=form.cleaned_data.get("tenant") if form.is_bound and form.is_valid() else None)

    def post(self, request):
        form = BuyConfirmForm(request.POST)
        if not form.is_valid():
            messages.error(request, " ".join(m for errors in form.errors.values() for m in errors))
            return HttpResponseRedirect(reverse("admin:numbers_phonenumber_buy"))
        tenant, number = form.cleaned_data["tenant"], form.cleaned_data["phone_number"]
        if request.POST.get("confirm") != "yes":
            sms_url, status_callback = webhook_urls()
            return self.render(request, "admin/numbers/phonenumber/buy_confirm.html", f"Buy {number}: please confirm",
                               tenant=tenant, phone_number=number, sms_url=sms_url, status_callback=status_callback)
        try:
            operation = services.number_buy_request(tenant=tenant, phone_number=number, requested_by=request.user)
        except DomainError as refusal:
            messages.error(request, str(refusal))
            return HttpResponseRedirect(reverse("admin:numbers_phonenumber_buy"))
        owner = tenant.name if tenant else "the parent account"
        message_queued(request, subject=operation,
                       text=f"Buying {number} for {owner} (operation #{operation.pk}); it shows in this list "
                            "when Twilio confirms.")
        return HttpResponseRedirect(list_url(tenant))


class ReleaseView(_AdminView):
    permission = "release"
    template = "admin/numbers/phonenumber/release_confirm.html"

    def _number(self, pk):
        return get_object_or_404(PhoneNumber.objects.select_related("tenant", "messaging_service")
                                 .defer(*(f"tenant__{name}" for name in SECRET_FIELDS)), pk=pk)

    def get(self, request, pk, form=None, refusal=""):
        number = self._number(pk)
        if not refusal:
            try:
                services.number_release_check(number=number, remove_from_service=True)
            except DomainError as error:
                refusal = str(error)
        return self.render(request, self.template, f"Release {number.phone_number}: please confirm", number=number,
                           form=form or ReleaseForm(), refusal=refusal)

    def post(self, request, pk):
        number, form = self._number(pk), ReleaseForm(request.POST)
        form.is_valid()
        try:
            operation = services.number_release_request(
                number=number, requested_by=request.user,
                remove_from_service=form.cleaned_data.get("remove_from_service", False))
        except DomainError as refusal:
            return self.get(request, pk, form=form, refusal=str(refusal))
        message_queued(request, subject=operation,
                       text=f"Releasing {number.phone_number} (operation #{operation.pk}); it leaves this list "
                            "when Twilio confirms.")
        return HttpResponseRedirect(reverse("admin:numbers_phonenumber_changelist"))


class SyncNowView(_AdminView):
    permission = "sync"
    http_method_names = ["post"]

    def post(self, request):
        operation, is_new = services.numbers_sync_request(requested_by=request.user)
        if is_new:
            message_queued(request, subject=operation, text=f"Number sync from Twilio queued as operation "
                                                            f"#{operation.pk}; drift shows in this list when done.")
        else:
            messages.info(request, f"A number sync was already asked for (operation #{operation.pk}); "
                                   "it is still running.")
        return HttpResponseRedirect(reverse("admin:numbers_phonenumber_changelist"))


def release_from_selection(model_admin, request, queryset):
    """The list action: one number at a time goes to its release confirmation page."""
    pks = list(queryset.values_list("pk", flat=True)[:2])
    if len(pks) != 1:
        model_admin.message_user(request, "Select exactly one number to release: each release is confirmed "
                                          "on its own page.", messages.WARNING)
        return None
    return HttpResponseRedirect(reverse("admin:numbers_phonenumber_release", args=[pks[0]]))
