"""Fault injection: latency, 429/500, dropped connections, read timeouts, concurrency limit, a
hold that keeps requests in flight until released (for tests that need overlap, not timing), and
targeted faults that hit the next requests to one endpoint ("lose the answer of the next transfer").

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
# lose_answer: the request IS processed, then the connection closes with no response.
# drop: the connection closes before the request is processed. 500: a 500 / 20500 answer, not processed.
TARGETED_OUTCOMES = ("lose_answer", "drop", "500")


@dataclass
class TargetedFault:
    endpoint: str  # "METHOD /path/{Pattern}" as in stats, e.g. "POST /v1/Services/{ServiceSid}/PhoneNumbers"
    outcome: str = "lose_answer"
    count: int = 1  # how many of the next matching requests it hits
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
            self.targeted: list[TargetedFault] = []
        self.release()

    def add_targeted(self, *, endpoint: str, outcome: str = "lose_answer", count: int = 1) -> TargetedFault:
        """Hit the next `count` requests to `endpoint` with `outcome` (ValueError for an unknown outcome)."""
        if outcome not in TARGETED_OUTCOMES:
            raise ValueError(f"unknown targeted outcome {outcome!r}; use one of {', '.join(TARGETED_OUTCOMES)}")
        if not endpoint or " " not in endpoint or int(count) < 1:
            raise ValueError("a targeted fault needs an endpoint 'METHOD /path' and a count of at least 1")
        fault = TargetedFault(endpoint=endpoint, outcome=outcome, count=int(count))
        with self._lock:
            self.targeted.append(fault)
        return fault

    def take_targeted(self, endpoint: str) -> str | None:
        """The outcome for this request to `endpoint`, using up one hit of the first matching fault."""
        with self._lock:
            for fault in self.targeted:
                if fault.endpoint == endpoint:
                    fault.count -= 1
                    if fault.count <= 0:
                        self.targeted.remove(fault)
                    return fault.outcome
        return None

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
            return {**asdict(self.config), "targeted": [asdict(fault) for fault in self.targeted]}

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
