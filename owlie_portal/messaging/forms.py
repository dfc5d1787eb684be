"""Forms of the messaging admin pages. They check shape only; the services decide what is allowed."""

from django import forms

from owlie_portal.numbers.models import PhoneNumber
from owlie_portal.tenants.models import Tenant


class ServiceCreateForm(forms.Form):
    tenant = forms.ModelChoiceField(queryset=Tenant.objects.filter(status=Tenant.Status.ACTIVE).defer(
        "auth_token", "api_key_secret").order_by("name"), help_text="Only active tenants can get new services.")
    friendly_name = forms.CharField(max_length=64, label="Name", help_text="e.g. condorCargoNotifications")
    sticky_sender = forms.BooleanField(required=False, initial=True,
                                       help_text="A recipient keeps hearing from the same number.")
    area_code_geomatch = forms.BooleanField(required=False, initial=True, label="Area-code geomatch",
                                            help_text="Prefer a sender with the recipient's area code.")
    smart_encoding = forms.BooleanField(required=False, initial=True,
                                        help_text="Replace look-alike Unicode characters so messages cost fewer segments.")
    validity_period = forms.IntegerField(min_value=1, max_value=36000, initial=36000,
                                         help_text="Seconds a message may wait in Twilio's queue before it is dropped.")


class AddNumbersForm(forms.Form):
    numbers = forms.ModelMultipleChoiceField(queryset=PhoneNumber.objects.none(),
                                             widget=forms.CheckboxSelectMultiple,
                                             help_text="The tenant's numbers that are in no service yet.")

    def __init__(self, *args, service, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["numbers"].queryset = PhoneNumber.objects.filter(
            tenant=service.tenant_id, messaging_service__isnull=True, status=PhoneNumber.Status.ACTIVE)


class SendTestForm(forms.Form):
    to = forms.CharField(max_length=40, label="To", help_text="The recipient's mobile number, e.g. +14155550100.")
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), label="Body",
                           help_text="Up to 1,600 characters.")


class OptOutImportForm(forms.Form):
    tenant = forms.ModelChoiceField(queryset=Tenant.objects.exclude(status=Tenant.Status.CLOSED).defer(
        "auth_token", "api_key_secret").order_by("name"))
    file = forms.FileField(help_text="CSV with a header row; first column 'recipient' in E.164 (+14155550100). "
                                     "A file with any bad row is rejected as a whole.")
