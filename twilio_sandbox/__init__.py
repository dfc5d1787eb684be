"""twilio_sandbox — a stateful local Twilio (full documentation below is being written)."""

from .app import Sandbox
from .server import SandboxServer

__all__ = ["Sandbox", "SandboxServer"]
