"""Portal-wide admin pieces: the Users list gains "Unlock login" for people locked out by wrong passwords."""

from __future__ import annotations

from axes.utils import reset as axes_reset
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

User = get_user_model()


class PortalUserAdmin(UserAdmin):
    actions = ["unlock_login"]

    @admin.action(description="Unlock login (clear failed-login lockouts)", permissions=["change"])
    def unlock_login(self, request, queryset):
        cleared = sum(axes_reset(username=user.username) for user in queryset)
        names = ", ".join(queryset.values_list("username", flat=True)[:10])
        self.message_user(request, f"Unlocked {names}: cleared {cleared} failed-login record"
                                   f"{'' if cleared == 1 else 's'}. They can log in again now.", messages.SUCCESS)


admin.site.unregister(User)
admin.site.register(User, PortalUserAdmin)
