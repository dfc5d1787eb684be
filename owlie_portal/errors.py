"""Errors raised by services for people: the message is a sentence a support engineer understands."""


class DomainError(Exception):
    """A refused request; nothing was changed. `str(error)` is shown in the admin as is."""
