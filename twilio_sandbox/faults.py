"""Fault injection: latency, 429/500, dropped connections, read timeouts, concurrency limit, and a
hold that keeps requests in flight until released (for tests that need overlap, not timing).

Decisions come from one seeded ``random.Random`` so a run repeats for a seed
(given the same request order).
"""

import random
import threading
import time
from dataclasses import dataclass, asdict, fields

from .errors import ApiError, DropConnection


@dataclass
class FaultConfig:
    latency_ms: float = 0.0
    jitter_ms: float = 0.0
    p_429: float = 0.0
    p_500: float = 0.0
    p_drop: float = 0.0
    p_read_timeout: float = 0.0
    read_timeout_s: float = 5.0
    concurrency_limit: int = 0  # per account; 0 = unlimited
    seed: int | None = None


FIELD_TYPES = {f.name: f.type for f in fields(FaultConfig)}
# A forgotten hold lets requests go after this long, so the server never hangs for good.
HOLD_LIMIT_S = 30.0


def too_many_requests(in_flight: int) -> ApiError:
    # 20429: the request was not processed and is safe to retry (docs/twilio-behaviour.md §4).
    return ApiError(429, 20429, "Too Many Requests",
                    headers={"Twilio-Concurrent-Requests": str(in_flight)})


class Faults:
    def __init__(self):
        self._lock = threading.Lock()
        self._released = threading.Event()
        self.clear()

    def clear(self) -> None:
        with self._lock:
            self.config = FaultConfig()
            self._random = random.Random(0)
        self.release()

    def hold(self) -> None:
        """Keep requests in flight (after their latency) until ``release()``; in-process tests only."""
        self._released.clear()

    def release(self) -> None:
        self._released.set()

    def configure(self, values: dict) -> FaultConfig:
        """Replace the config with ``values`` (unknown names → ValueError)."""
        config = FaultConfig()
        for name, raw in values.items():
            if name not in FIELD_TYPES:
                raise ValueError(f"unknown fault setting {name!r}")
            setattr(config, name, _convert(name, raw))
        with self._lock:
            self.config = config
            self._random = random.Random(config.seed if config.seed is not None else 0)
        return config

    def to_json(self) -> dict:
        with self._lock:
            return asdict(self.config)

    def check_concurrency(self, in_flight: int) -> None:
        limit = self.config.concurrency_limit
        if limit and in_flight > limit:
            raise too_many_requests(in_flight)

    def before(self, in_flight: int) -> bool:
        """Sleep the latency and roll the dice; returns True if the response must time out."""
        config = self.config
        with self._lock:
            delay = config.latency_ms + (self._random.uniform(0, config.jitter_ms) if config.jitter_ms else 0)
            roll = self._random.random()
        if delay > 0:
            time.sleep(delay / 1000.0)
        self._released.wait(HOLD_LIMIT_S)
        # One roll split into bands keeps the probabilities independent of each other.
        for p, outcome in ((config.p_429, "429"), (config.p_500, "500"),
                           (config.p_drop, "drop"), (config.p_read_timeout, "timeout")):
            if roll < p:
                return _apply(outcome, in_flight)
            roll -= p
        return False

    def read_timeout_delay(self) -> float:
        return self.config.read_timeout_s


def _apply(outcome: str, in_flight: int) -> bool:
    if outcome == "429":
        raise too_many_requests(in_flight)
    if outcome == "500":
        raise ApiError(500, 20500, "Internal Server Error")
    if outcome == "drop":
        raise DropConnection()
    return True


def _convert(name: str, raw):
    if raw is None or raw == "":
        return None if name == "seed" else FaultConfig.__dataclass_fields__[name].default
    if name in ("concurrency_limit", "seed"):
        return int(raw)
    return float(raw)
