from django.apps import AppConfig
from django.urls import reverse


def _batch_numbers_url(batch) -> str:
    return f"{reverse('admin:numbers_phonenumber_changelist')}?batch={batch.pk}"


class NumbersConfig(AppConfig):
    name = "owlie_portal.numbers"
    verbose_name = "Phone numbers"

    def ready(self) -> None:
        self._register_move_kinds()

    @staticmethod
    def _register_move_kinds() -> None:
        # --- Moves (parent ↔ tenant, tenant → tenant; also the steps of a tenant close) ---
        from owlie_portal.operations.registry import register_kind

        from . import services
        from .kinds import Kind

        register_kind(Kind.TRANSFER, task="numbers.transfer_number", label=Kind.TRANSFER.label,
                      on_failed=services.move_failed, retry=services.numbers_move_retry,
                      retry_permission="numbers.transfer_number", selection_url=_batch_numbers_url,
                      selection_label="Select these numbers")

        # --- inventory, buy, release -----------------------------------------------------------------
        register_kind(Kind.BUY, task="numbers.buy_number", label=Kind.BUY.label,
                      retry_permission="numbers.buy_number")
        register_kind(Kind.RELEASE, task="numbers.release_number", label=Kind.RELEASE.label,
                      retry_permission="numbers.release_number")
        register_kind(Kind.SYNC, task="numbers.sync_requested", label=Kind.SYNC.label)
