"""The concurrency budget: at most TWILIO_MAX_CONCURRENCY Twilio requests in flight per parent account.

With Redis (production, CI) the budget is shared by every worker process on every host: a sorted set
of leases, taken and expired atomically by a Lua script, so a killed worker's lease lapses on its own.
In embedded mode there is one worker process, so a process-local semaphore is the whole budget.
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from contextlib import contextmanager
from functools import lru_cache

from django.conf import settings

from .errors import TwilioTransientError

# KEYS[1] = lease set; ARGV = limit, lease seconds, token. Returns 1 when a slot was taken.
_ACQUIRE = """
local now = redis.call('TIME')
local now_s = tonumber(now[1]) + tonumber(now[2]) / 1000000
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now_s)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], now_s + tonumber(ARGV[2]), ARGV[3])
  redis.call('EXPIRE', KEYS[1], math.ceil(tonumber(ARGV[2])) + 60)
  return 1
end
return 0
"""


# A request that cannot get a slot for this long is given up as transient (retried later by the task),
# so a worker never waits without bound.
WAIT_LIMIT_S = 120.0


def _budget_busy() -> TwilioTransientError:
    return TwilioTransientError("No Twilio request slot came free in time (concurrency budget busy).")


class LocalBudget:
    def __init__(self, limit: int):
        self._semaphore = threading.BoundedSemaphore(limit)

    @contextmanager
    def slot(self):
        if not self._semaphore.acquire(timeout=WAIT_LIMIT_S):
            raise _budget_busy()
        try:
            yield
        finally:
            self._semaphore.release()


class RedisBudget:
    def __init__(self, url: str, key: str, limit: int, lease_s: float):
        import redis

        self._redis = redis.Redis.from_url(url)
        self._acquire = self._redis.register_script(_ACQUIRE)
        self._key, self._limit, self._lease_s = key, limit, lease_s

    @contextmanager
    def slot(self):
        token = uuid.uuid4().hex
        delay, give_up_at = 0.002, time.monotonic() + WAIT_LIMIT_S
        while not self._acquire(keys=[self._key], args=[self._limit, self._lease_s, token]):
            if time.monotonic() > give_up_at:
                raise _budget_busy()
            time.sleep(delay * (0.5 + random.random()))
            delay = min(delay * 2, 0.05)
        try:
            yield
        finally:
            self._redis.zrem(self._key, token)


@lru_cache(maxsize=4)
def _budget_for(parent_sid: str, limit: int, redis_url: str, lease_s: float):
    if redis_url:
        return RedisBudget(redis_url, f"owlie:twilio-inflight:{parent_sid}", limit, lease_s)
    return LocalBudget(limit)


def current_budget():
    """The budget for the configured parent account (rebuilt when settings change, e.g. in tests)."""
    # requests applies the timeout to the connect and to each read separately: leave room for both.
    lease_s = 2 * settings.TWILIO_HTTP_TIMEOUT + 10
    return _budget_for(
        settings.TWILIO_ACCOUNT_SID, settings.TWILIO_MAX_CONCURRENCY, settings.TWILIO_REDIS_URL, lease_s
    )
