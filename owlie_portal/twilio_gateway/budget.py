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


class LocalBudget:
    def __init__(self, limit: int):
        self._semaphore = threading.BoundedSemaphore(limit)

    @contextmanager
    def slot(self):
        with self._semaphore:
            yield


class RedisBudget:
    def __init__(self, url: str, key: str, limit: int, lease_s: float):
        import redis

        self._redis = redis.Redis.from_url(url)
        self._acquire = self._redis.register_script(_ACQUIRE)
        self._key, self._limit, self._lease_s = key, limit, lease_s

    @contextmanager
    def slot(self):
        token = uuid.uuid4().hex
        delay = 0.002
        while not self._acquire(keys=[self._key], args=[self._limit, self._lease_s, token]):
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
    lease_s = settings.TWILIO_HTTP_TIMEOUT + 5
    return _budget_for(
        settings.TWILIO_ACCOUNT_SID, settings.TWILIO_MAX_CONCURRENCY, settings.TWILIO_REDIS_URL, lease_s
    )
