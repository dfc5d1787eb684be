"""Number services: the only code that changes phone numbers. One module per concern:
`transfer` (the move task and the steps of a close), `move` (asking for moves, resume, retry),
`move_steps` (the steps every move runs), and the inventory, buy and release modules."""

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

__all__ = [
    "move_failed", "number_move", "number_move_resume", "numbers_bulk_move", "numbers_by_sids",
    "numbers_move_retry",
    "numbers_delete_released", "numbers_move_to_parent", "operation_run_number_transfer",
]
