"""The number list's move side: dry run, confirm, bulk move, resume (PhoneNumberAdmin mixes it in)."""

from __future__ import annotations


class MoveAdminMixin:
    move_actions: list[str] = []

    def move_urls(self) -> list:
        return []
