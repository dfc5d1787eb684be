"""The concurrency budget: at most TWILIO_MAX_CONCURRENCY Twilio requests in flight per parent account.

With Redis (production, CI) the budget is shared by every worker process on every host: a sorted set
of leases, taken and expired atomically by a Lua script, so a killed worker's lease lapses on its own.
A holder that gives its slot back also pushes a wake-up onto a short list that waiting requests block on
(BLPOP), so a freed slot is taken at once instead of at the waiter's next poll; a lease that lapses wakes
nobody, and waiters still look again every POLL_S.
In embedded mode there is one worker process, so a process-local semaphore is the whole budget.

Redis is infrastructure, not Twilio: it never turns a request that reached Twilio into a failure. A slot
that cannot be given back is left to lapse; a slot that cannot be taken is a transient error, as the
request was never sent.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from contextlib import contextmanager
from functools import lru_cache

import redis
from django.conf import settings
from redis.backoff import NoBackoff
from redis.retry import Retry

from .errors import TwilioTransientError

logger = logging.getLogger(__name__)

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

# KEYS[1] = lease set, KEYS[2] = wake-up list; ARGV = token, limit. A slot given back wakes one waiter;
# wake-ups nobody took are capped at the limit (a waiter that pops a stale one just looks again).
_RELEASE = """
if redis.call('ZREM', KEYS[1], ARGV[1]) == 1 then
  redis.call('LPUSH', KEYS[2], 1)
  redis.call('LTRIM', KEYS[2], 0, tonumber(ARGV[2]) - 1)
  redis.call('EXPIRE', KEYS[2], 60)
end
return 0
"""


# A request that cannot get a slot for this long is given up as transient (retried later by the task),
# so a worker never waits without bound.
WAIT_LIMIT_S = 120.0

# A lease script answers in microseconds: anything this slow is an outage, so fail fast and let the task
# retry later. One immediate retry reconnects a pooled connection left stale by a Redis restart.
REDIS_CONNECT_TIMEOUT_S = 1.0
REDIS_TIMEOUT_S = 2.0
REDIS_RETRIES = 1

# How long a waiter blocks for a wake-up before it looks at the leases again (a lapsed lease wakes nobody).
POLL_S = 0.1


def _budget_busy() -> TwilioTransientError:
    return TwilioTransientError("No Twilio request slot came free in time (concurrency budget busy).")


def _budget_unreachable() -> TwilioTransientError:
    # Never redis' own message: it names the internal host and port, and this one reaches the admin.
    return TwilioTransientError("The portal's request budget (Redis) is unreachable; the request was not sent.")


class LocalBudget:
    def __init__(self, limit: int):
        self._semaphore = threading.BoundedSemaphore(limit)

    def answers(self) -> bool:
        return True

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
        self._redis = redis.Redis.from_url(
            url, socket_connect_timeout=REDIS_CONNECT_TIMEOUT_S, socket_timeout=REDIS_TIMEOUT_S,
            retry=Retry(NoBackoff(), REDIS_RETRIES),
        )
        self._acquire = self._redis.register_script(_ACQUIRE)
        self._release = self._redis.register_script(_RELEASE)
        self._key, self._wake_key, self._limit, self._lease_s = key, f"{key}:wake", limit, lease_s

    def answers(self) -> bool:
        """Whether Redis answers now (a paused batch lane asks before it takes its next row)."""
        try:
            return bool(self._redis.ping())
        except redis.RedisError:
            return False

    @contextmanager
    def slot(self):
        token = uuid.uuid4().hex
        self._take(token)
        try:
            yield
        finally:
            self._give_back(token)

    def _take(self, token: str) -> None:
        give_up_at = time.monotonic() + WAIT_LIMIT_S
        try:
            while not self._acquire(keys=[self._key], args=[self._limit, self._lease_s, token]):
                if time.monotonic() > give_up_at:
                    raise _budget_busy()
                self._redis.blpop([self._wake_key], timeout=POLL_S)
        except redis.RedisError as error:
            # A lease the script took before its answer was lost lapses by itself.
            logger.warning("Twilio request budget: could not take a slot from Redis (%s); request not sent",
                           type(error).__name__)
            raise _budget_unreachable() from None

    def _give_back(self, token: str) -> None:
        # Best effort: the request is done (Twilio may have applied it), and the lease lapses on its own.
        try:
            self._release(keys=[self._key, self._wake_key], args=[token, self._limit])
        except redis.RedisError as error:
            logger.warning("Twilio request budget: could not give a slot back to Redis (%s); it lapses within %gs",
                           type(error).__name__, self._lease_s)


@lru_cache(maxsize=4)
def _budget_for(parent_sid: str, limit: int, redis_url: str, lease_s: float):
    if redis_url:
        return RedisBudget(redis_url, f"owlie:twilio-inflight:{parent_sid}", limit, lease_s)
    return LocalBudget(limit)


def current_budget():
    """The budget for the configured parent account (rebuilt when settings change, e.g. in tests)."""
    # The HTTP timeout applies to the connect and to each read separately (transport.py): leave room for both.
    lease_s = 2 * settings.TWILIO_HTTP_TIMEOUT + 10
    return _budget_for(
        settings.TWILIO_ACCOUNT_SID, settings.TWILIO_MAX_CONCURRENCY, settings.TWILIO_REDIS_URL, lease_s
    )
