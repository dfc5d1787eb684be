"""Request counters for benchmarks: requests by endpoint and peak in-flight per account."""

import threading
from collections import Counter


class Stats:
    def __init__(self):
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self.requests: Counter = Counter()
            self.responses: Counter = Counter()  # "status code" -> count, incl. injected faults
            self.in_flight: Counter = Counter()
            self.peak_in_flight: Counter = Counter()

    def count(self, endpoint: str) -> None:
        with self._lock:
            self.requests[endpoint] += 1

    def count_status(self, status: int | str) -> None:
        with self._lock:
            self.responses[str(status)] += 1

    def enter(self, account_sid: str) -> int:
        """Mark one more request in flight for the account; returns the new count."""
        with self._lock:
            self.in_flight[account_sid] += 1
            current = self.in_flight[account_sid]
            if current > self.peak_in_flight[account_sid]:
                self.peak_in_flight[account_sid] = current
            return current

    def leave(self, account_sid: str) -> None:
        with self._lock:
            self.in_flight[account_sid] -= 1
            if self.in_flight[account_sid] <= 0:
                del self.in_flight[account_sid]

    def to_json(self) -> dict:
        with self._lock:
            return {
                "requests": dict(sorted(self.requests.items())),
                "total_requests": sum(self.requests.values()),
                "responses": dict(sorted(self.responses.items())),
                "in_flight": dict(self.in_flight),
                "peak_in_flight": dict(self.peak_in_flight),
            }
