from django import forms
from django.urls import reverse
from django.utils.html import format_html

from . import rules, selectors
from .models import Tenant


class TenantAdminForm(forms.ModelForm):
    """The add / change form: a customer name already used by a live tenant is refused, with a link to it."""

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if self.instance.pk and "name" not in self.changed_data:
            return name
        existing = selectors.tenant_live_with_name(name=name, exclude_pk=self.instance.pk)
        if existing is not None:
            url = reverse("admin:tenants_tenant_change", args=[existing.pk])
            raise forms.ValidationError(format_html('{} <a href="{}">Open {}</a>',
                                                    rules.duplicate_name(existing), url, existing.name))
        return name


class SuspendForm(forms.Form):
    reason = forms.ChoiceField(choices=[("", "— choose a reason —"), *Tenant.SuspensionReason.choices])
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
                           help_text="Shown on the tenant page, e.g. the ticket number.")

    def clean(self):
        data = super().clean()
        if data.get("reason") == Tenant.SuspensionReason.OTHER and not data.get("note", "").strip():
            self.add_error("note", "Say why when the reason is “other”.")
        return data


class CloseForm(forms.Form):
    """Closing is final at Twilio: the person types the customer's name (or the count, for many)."""

    typed = forms.CharField(label="Type to confirm", widget=forms.TextInput(attrs={"autocomplete": "off"}))
    move_numbers_first = forms.BooleanField(
        label="Move numbers to the parent first", required=False, initial=True,
        help_text="Recommended. Unticked, Twilio releases every number the subaccount still holds.",
    )

    def __init__(self, *args, expected: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.expected = expected

    def clean_typed(self):
        typed = self.cleaned_data["typed"].strip()
        if typed != self.expected:
            raise forms.ValidationError(f"Type exactly “{self.expected}” to confirm.")
        return typed


class AssignManagerForm(forms.Form):
    account_manager = forms.ModelChoiceField(
        queryset=selectors.account_managers(),
        help_text="Only members of the Account managers group are listed.",
    )


class EmptyForm(forms.Form):
    pass
