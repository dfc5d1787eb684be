from django.apps import AppConfig


class NumbersConfig(AppConfig):
    name = "owlie_portal.numbers"
    verbose_name = "Phone numbers"

    def ready(self) -> None:
        from owlie_portal.operations.registry import register_kind

        from .kinds import Kind

        register_kind(Kind.TRANSFER, task="numbers.transfer_number", label=Kind.TRANSFER.label,
                      retry_permission="numbers.transfer_number")

        # --- inventory, buy, release -----------------------------------------------------------------
        register_kind(Kind.BUY, task="numbers.buy_number", label=Kind.BUY.label,
                      retry_permission="numbers.buy_number")
        register_kind(Kind.RELEASE, task="numbers.release_number", label=Kind.RELEASE.label,
                      retry_permission="numbers.release_number")
        register_kind(Kind.SYNC, task="numbers.sync_requested", label=Kind.SYNC.label)
