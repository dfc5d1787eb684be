"""Number services: the only code that changes phone numbers. One module per concern:
`transfer` (moves between accounts, steps of a close), and the inventory, buy and release modules."""

from .transfer import (
    numbers_delete_released,
    numbers_move_to_parent,
    operation_run_number_transfer,
)

__all__ = ["numbers_delete_released", "numbers_move_to_parent", "operation_run_number_transfer"]
