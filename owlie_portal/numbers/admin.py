"""The phone number admin: inventory (admin_inventory.py) and moves (admin_move.py) mixed into one list."""

from django.contrib import admin

from owlie_portal.admin_tools import AppendOnlyAdmin, export_csv_action

from .admin_inventory import InventoryAdminMixin
from .admin_move import MoveAdminMixin
from .models import PhoneNumber


@admin.register(PhoneNumber)
class PhoneNumberAdmin(InventoryAdminMixin, MoveAdminMixin, AppendOnlyAdmin):
    """Numbers change only through services (buy, move, release); the list is where support staff start."""

    list_display = ["phone_number", "sid", "tenant", "sms_capable", "mms_capable", "voice_capable", "updated_at"]
    list_filter = ["sms_capable", "mms_capable", "voice_capable", ("tenant", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["phone_number", "=sid", "friendly_name", "tenant__name"]
    list_select_related = ["tenant"]
    export_csv = export_csv_action(
        fields=[("phone_number", "phone_number"), ("sid", "sid"), ("tenant", "tenant__name"),
                ("sms", "sms_capable"), ("mms", "mms_capable"), ("voice", "voice_capable")],
        filename_prefix="phone-numbers",
    )

    @property
    def actions(self):
        return ["export_csv", *self.inventory_actions, *self.move_actions]

    def get_urls(self):
        return [*self.inventory_urls(), *self.move_urls(), *super().get_urls()]
