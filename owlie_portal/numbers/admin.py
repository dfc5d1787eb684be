from django.contrib import admin

from owlie_portal.admin_tools import AppendOnlyAdmin, export_csv_action

from .models import PhoneNumber


@admin.register(PhoneNumber)
class PhoneNumberAdmin(AppendOnlyAdmin):
    """Inventory, read-only until buying and transfers land (they will write through services)."""

    list_display = ["phone_number", "sid", "tenant", "sms_capable", "mms_capable", "voice_capable", "updated_at"]
    list_filter = ["sms_capable", "mms_capable", "voice_capable", ("tenant", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["phone_number", "=sid", "friendly_name", "tenant__name"]
    list_select_related = ["tenant"]
    actions = ["export_csv"]
    export_csv = export_csv_action(
        fields=[("phone_number", "phone_number"), ("sid", "sid"), ("tenant", "tenant__name"),
                ("sms", "sms_capable"), ("mms", "mms_capable"), ("voice", "voice_capable")],
        filename_prefix="phone-numbers",
    )
