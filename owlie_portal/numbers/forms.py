"""Forms of the number pages: search for a number to buy, confirm the purchase, confirm a release."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from owlie_portal.tenants.models import SECRET_FIELDS, Tenant
from owlie_portal.validators import normalize_phone_number

COUNTRIES = [("US", "United States"), ("CA", "Canada"), ("GB", "United Kingdom")]
NUMBER_TYPES = [("Local", "Local"), ("Mobile", "Mobile"), ("TollFree", "Toll-free")]


class TenantChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.external_ref})"


def _owner_field() -> TenantChoiceField:
    return TenantChoiceField(
        queryset=Tenant.objects.filter(status=Tenant.Status.ACTIVE, subaccount_sid__isnull=False)
        .defer(*SECRET_FIELDS).order_by("name"),
        required=False, empty_label="Parent account", label="Buy for",
        help_text="Numbers can be bought for the parent account or an active customer.")


class BuySearchForm(forms.Form):
    tenant = _owner_field()
    country = forms.ChoiceField(choices=COUNTRIES, initial="US")
    number_type = forms.ChoiceField(choices=NUMBER_TYPES, initial="Local", label="Type")
    area_code = forms.RegexField(regex=r"^[2-9]\d\d$", required=False, max_length=3,
                                 error_messages={"invalid": "An area code is three digits, e.g. 415."})
    contains = forms.RegexField(regex=r"^[0-9A-Za-z*]{1,16}$", required=False, max_length=16,
                                help_text="Digits or letters the number contains; * stands for any digit.",
                                error_messages={"invalid": "Use digits, letters and * only."})
    sms = forms.BooleanField(required=False, label="SMS capable")
    voice = forms.BooleanField(required=False, label="Voice capable")


class BuyConfirmForm(forms.Form):
    tenant = _owner_field()
    phone_number = forms.CharField(max_length=32)

    def clean_phone_number(self):
        try:
            return normalize_phone_number(self.cleaned_data["phone_number"])
        except ValidationError as error:
            raise forms.ValidationError(error.messages[0]) from None


class ReleaseForm(forms.Form):
    remove_from_service = forms.BooleanField(required=False)
