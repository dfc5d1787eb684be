"""The number list's move side: dry run, confirm, bulk move, resume (PhoneNumberAdmin mixes it in).

Flow: the list's action "Move to another account…" (or the button on a number's page) shows the target
chooser; "Show the dry run" shows what would happen, checked at Twilio; "Yes, move" (confirm=yes,
re-posting the selection) runs one Operation (one number) or one Batch (several). Nothing here calls
Twilio to change anything: services do, through Operations."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from owlie_portal.errors import DomainError
from owlie_portal.operations.models import Operation
from owlie_portal.operations.views import message_queued
from owlie_portal.tenants.models import Tenant

from . import services
from .kinds import Kind
from .models import PhoneNumber
from .selectors_move import latest_move, move_plan
from .services.move_steps import step_labels

PARENT = "parent"
TRANSFER_PERMISSION = "numbers.transfer_number"


class MoveForm(forms.Form):
    target = forms.ChoiceField(label="Move to", help_text="The parent account or a tenant (only active ones can "
                                                          "receive numbers; others are shown to explain why not).")
    add_to_service = forms.BooleanField(
        required=False, label="Add to the target's default Messaging Service",
        help_text="With the target's own credentials, after the number arrived.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        tenants = Tenant.objects.exclude(status=Tenant.Status.CLOSED).only("pk", "name", "external_ref", "status")
        self.fields["target"].choices = [("", "—"), (PARENT, "Parent account")] + [
            (str(t.pk), f"{t.name} ({t.external_ref}, {t.get_status_display().lower()})")
            for t in tenants.order_by("name")]

    def target_tenant(self) -> Tenant | None:
        value = self.cleaned_data["target"]
        return None if value == PARENT else Tenant.objects.get(pk=int(value))


class BatchNumbersFilter(admin.SimpleListFilter):
    """?batch=<id>: the numbers of one bulk move ("Select these numbers" on the batch page)."""

    title = "batch"
    parameter_name = "batch"

    def lookups(self, request, model_admin):
        # Shown only while a batch is chosen (reached from the batch page), so it can be cleared.
        return [(self.value(), f"Batch #{self.value()}")] if self.value() else []

    def queryset(self, request, queryset):
        if not self.value() or not self.value().isdigit():
            return queryset
        sids = Operation.objects.filter(batch_id=int(self.value()), kind=Kind.TRANSFER).values("target_sid")
        return queryset.filter(sid__in=sids)


class MoveAdminMixin:
    move_actions: list[str] = ["move_to_account"]

    def move_urls(self) -> list:
        wrap = self.admin_site.admin_view
        return [
            path("move/", wrap(self.move_view), name="numbers_phonenumber_move"),
            path("move/resume/<int:operation_pk>/", wrap(self.move_resume_view), name="numbers_phonenumber_resume"),
        ]

    def has_transfer_permission(self, request) -> bool:
        return request.user.has_perm(TRANSFER_PERMISSION)

    def get_list_filter(self, request):
        filters = list(super().get_list_filter(request))
        # "Being moved" must be findable; the inventory side may list the status already.
        return [*filters, *([] if "status" in filters else ["status"]), BatchNumbersFilter]

    def get_list_display(self, request):
        columns = list(super().get_list_display(request))
        return columns if "status" in columns else [*columns[:3], "status", *columns[3:]]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        return fields + ["move_controls"] if obj is not None else fields

    @admin.display(description="Move")
    def move_controls(self, obj):
        last = latest_move(number=obj)
        parts = []
        if obj.status == PhoneNumber.Status.ACTIVE:
            parts.append(format_html('<p><a class="button" id="owlie-move-number" href="{}?ids={}">'
                                     'Move to another account…</a></p>', reverse("admin:numbers_phonenumber_move"),
                                     obj.pk))
        if last is not None:
            parts.append(format_html('<p>Last move: <a href="{}">#{}</a> {} — steps done: {}.{}</p>',
                                     reverse("admin:operations_operation_change", args=[last.pk]), last.pk,
                                     last.get_state_display(), ", ".join(step_labels(last)) or "none yet",
                                     f" {last.error_message}" if last.error_message else ""))
            if last.state == Operation.State.FAILED:
                parts.append(format_html('<p><a class="button" id="owlie-resume-move" href="{}">Resume the move</a>'
                                         '</p>', reverse("admin:numbers_phonenumber_resume", args=[last.pk])))
        return mark_safe("".join(parts)) if parts else "—"  # every part is built by format_html

    @admin.action(description="Move to another account…", permissions=["transfer"])
    def move_to_account(self, request, queryset):
        ids = list(queryset.order_by("phone_number").values_list("pk", flat=True))
        return self._move_page(request, ids, MoveForm())

    def move_view(self, request):
        if not self.has_transfer_permission(request):
            raise PermissionDenied
        source = request.POST if request.method == "POST" else request.GET
        raw = source.getlist("ids") or (source.get("ids") or "").split(",")
        ids = [int(pk) for pk in raw if str(pk).strip().isdigit()]
        if request.method != "POST":
            return self._move_page(request, ids, MoveForm())
        form = MoveForm(request.POST)
        if not form.is_valid():
            return self._move_page(request, ids, form)
        if request.POST.get("confirm") == "yes":
            return self._move_confirmed(request, ids, form)
        return self._move_page(request, ids, form, with_plan=True)

    def _numbers(self, ids: list[int]) -> list[PhoneNumber]:
        return list(PhoneNumber.objects.select_related("tenant", "messaging_service").filter(pk__in=ids)
                    .order_by("phone_number"))

    def _move_page(self, request, ids, form, *, with_plan: bool = False, plan=None):
        numbers = self._numbers(ids)
        if with_plan and plan is None:
            plan = move_plan(numbers=numbers, target=form.target_tenant())
        context = {**self.admin_site.each_context(request), "opts": PhoneNumber._meta, "form": form,
                   "title": "Move phone numbers to another account", "numbers": numbers, "ids": ids,
                   "plan": plan, "more": max(0, len(numbers) - 50)}
        return TemplateResponse(request, "admin/numbers/move.html", context)

    def _move_confirmed(self, request, ids, form):
        target = form.target_tenant()
        plan = move_plan(numbers=self._numbers(ids), target=target)  # checked at Twilio again, now
        add = form.cleaned_data["add_to_service"]
        if not plan.allowed:
            messages.error(request, "Nothing in the selection can be moved; see the reasons below.")
            return self._move_page(request, ids, form, with_plan=True, plan=plan)
        try:
            if len(plan.lines) == 1:
                number = plan.lines[0].number
                operation = services.number_move(number_sid=number.sid, target=target, requested_by=request.user,
                                                 add_to_service=add)
                message_queued(request, subject=operation,
                               text=f"Moving {number.phone_number} to {plan.target_label} (operation #{operation.pk}).")
                return HttpResponseRedirect(reverse("admin:numbers_phonenumber_change", args=[number.pk]))
            batch = services.numbers_bulk_move(number_sids=[line.number.sid for line in plan.allowed], target=target,
                                               requested_by=request.user, add_to_service=add,
                                               refused=[line.refusal for line in plan.refused])
        except DomainError as error:
            messages.error(request, str(error))
            return self._move_page(request, ids, form, with_plan=True, plan=plan)
        message_queued(request, subject=batch, text=f"Moving {batch.total} numbers to {plan.target_label} "
                                                    f"as batch #{batch.pk}.")
        return HttpResponseRedirect(reverse("admin:operations_batch_progress", args=[batch.pk]))

    def move_resume_view(self, request, operation_pk: int):
        if not self.has_transfer_permission(request):
            raise PermissionDenied
        operation = get_object_or_404(Operation, pk=operation_pk, kind=Kind.TRANSFER)
        number = PhoneNumber.objects.filter(sid=operation.target_sid).first()
        if request.method == "POST" and request.POST.get("confirm") == "yes":
            try:
                resumed = services.number_move_resume(operation=operation, requested_by=request.user)
            except DomainError as error:
                messages.error(request, str(error))
            else:
                message_queued(request, subject=resumed,
                               text=f"Resuming the move of {operation.params.get('phone_number')} "
                                    f"(operation #{resumed.pk}).")
            if number is not None:
                return HttpResponseRedirect(reverse("admin:numbers_phonenumber_change", args=[number.pk]))
            return HttpResponseRedirect(reverse("admin:numbers_phonenumber_changelist"))
        steps = step_labels(operation)
        context = {**self.admin_site.each_context(request), "opts": PhoneNumber._meta, "operation": operation,
                   "number": number, "steps": steps, "title": "Resume a move that stopped part-way"}
        return TemplateResponse(request, "admin/numbers/move_resume.html", context)
