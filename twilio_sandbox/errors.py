"""Twilio error bodies.

Twilio's core and messaging APIs answer errors with the legacy body
``{code, message, more_info, status}``. twilio-python 9.10+ turns a body that
also has ``type`` and ``title`` into a different exception class, so those
keys must never appear (docs/twilio-behaviour.md §4).
"""


class ApiError(Exception):
    """An error answered to the client as a Twilio error body."""

    def __init__(self, status: int, code: int, message: str, headers: dict | None = None):
        super().__init__(f"{status}/{code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}

    def body(self) -> dict:
        return {
            "code": self.code,
            "message": self.message,
            "more_info": f"https://www.twilio.com/docs/errors/{self.code}",
            "status": self.status,
        }


class DropConnection(Exception):
    """Raised by the fault layer: the server closes the socket without answering."""


def not_found(path: str) -> ApiError:
    return ApiError(404, 20404, f"The requested resource {path} was not found")


def authenticate_error() -> ApiError:
    return ApiError(401, 20003, "Authenticate")
