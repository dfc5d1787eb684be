"""The number list's inventory side: search, filters, export, buy and release (PhoneNumberAdmin mixes it in)."""

from __future__ import annotations


class InventoryAdminMixin:
    inventory_actions: list[str] = []

    def inventory_urls(self) -> list:
        return []
