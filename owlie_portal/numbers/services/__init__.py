"""Number services: the only code that changes phone numbers. One module per concern:
`transfer` (the move task and the steps of a close), `move` (asking for moves, resume, retry),
`move_steps` (the steps every move runs), `inventory` (sync and drift), `requests` ("sync numbers now"),
`buy` and `release`."""

from .move import (
    move_failed,
    number_move,
    number_move_resume,
    numbers_bulk_move,
    numbers_by_sids,
    numbers_move_retry,
)
from .transfer import (
    numbers_delete_released,
    numbers_move_to_parent,
    operation_run_number_transfer,
)

# --- inventory, buy, release ---------------------------------------------------------------------------
from .buy import available_numbers_search, number_buy_request, operation_run_number_buy  # noqa: E402
from .inventory import NumberSyncReport, numbers_sync_from_twilio  # noqa: E402
from .release import number_release_check, number_release_request, operation_run_number_release  # noqa: E402
from .requests import numbers_sync_request, operation_run_numbers_sync  # noqa: E402

__all__ = ["move_failed", "number_move", "number_move_resume", "numbers_bulk_move", "numbers_by_sids",
           "numbers_move_retry", "numbers_delete_released", "numbers_move_to_parent", "operation_run_number_transfer",
           "available_numbers_search", "number_buy_request", "operation_run_number_buy", "NumberSyncReport",
           "numbers_sync_from_twilio", "number_release_check", "number_release_request",
           "operation_run_number_release", "numbers_sync_request", "operation_run_numbers_sync"]
