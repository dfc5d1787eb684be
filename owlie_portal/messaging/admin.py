from django.contrib import admin

from owlie_portal.admin_tools import AppendOnlyAdmin

from .models import MessagingService


@admin.register(MessagingService)
class MessagingServiceAdmin(AppendOnlyAdmin):
    """Read-only until service management lands (it will write through services)."""

    list_display = ["friendly_name", "sid", "tenant", "created_at"]
    list_filter = [("tenant", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["friendly_name", "=sid", "tenant__name"]
    list_select_related = ["tenant"]
