from django.apps import AppConfig


class NumbersConfig(AppConfig):
    name = "owlie_portal.numbers"
    verbose_name = "Phone numbers"

    def ready(self) -> None:
        from owlie_portal.operations.registry import register_kind

        from .kinds import Kind

        register_kind(Kind.TRANSFER, task="numbers.transfer_number", label=Kind.TRANSFER.label,
                      retry_permission="numbers.transfer_number")
