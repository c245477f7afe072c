"""The full stack's cache: Django's Redis backend, failing open.

Everything Charter keeps in the cache can be recomputed or done without: the API's throttle
counters, the KPI refresh window, a rendered report shared by its recipients. So a Redis that is
down, restarting or unreachable must not take a request down with it (it did: every API call
answered 500 from the throttle's read). Here every Redis error becomes a miss: ``get`` gives the
default, ``add`` reports that it stored (the debounced work it guards is queued rather than
dropped), writes and deletes do nothing. Each failure is logged as a warning with a running
count for the process, and for ``retry_after`` seconds after one the backend does not try Redis
again, so a Redis that times out instead of refusing costs one timeout per window and thread,
not one per call (the socket timeouts themselves are set in settings, ``OPTIONS``).

``ping()`` is the one call that raises: the readiness check (``config/health.py``) needs to
know.
"""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import Callable
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

# Per process, for the log line only: how many cache calls have failed open since it started.
_failed_open = itertools.count(1)


class FailOpenRedisCache(RedisCache):
    """``RedisCache`` whose calls answer as a miss when Redis fails (see the module docstring)."""

    retry_after = 5.0  # seconds without trying Redis after a failure

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._skip_until = 0.0

    def _guard(self, operation: str, miss: Any, call: Callable[..., Any], *args: Any) -> Any:
        if time.monotonic() < self._skip_until:
            next(_failed_open)
            return miss
        try:
            return call(*args)
        except RedisError as error:
            self._skip_until = time.monotonic() + self.retry_after
            logger.warning(
                "Cache %s failed open, answered as a miss (%d cache calls failed open in this "
                "process; Redis is not tried again for %.0f s): %s: %s",
                operation,
                next(_failed_open),
                self.retry_after,
                type(error).__name__,
                error,
            )
            return miss

    def ping(self) -> None:
        """Ask Redis for an answer, raising if there is none (``redis.exceptions.RedisError``)."""
        self._cache.get_client(None, write=True).ping()
        self._skip_until = 0.0

    # --- Django's cache API, each call guarded -----------------------------------------------

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None) -> bool:
        return self._guard("add", True, super().add, key, value, timeout, version)

    def get(self, key, default=None, version=None) -> Any:
        return self._guard("get", default, super().get, key, default, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None) -> None:
        self._guard("set", None, super().set, key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None) -> bool:
        return self._guard("touch", False, super().touch, key, timeout, version)

    def delete(self, key, version=None) -> bool:
        return self._guard("delete", False, super().delete, key, version)

    def get_many(self, keys, version=None) -> dict:
        return self._guard("get_many", {}, super().get_many, keys, version)

    def has_key(self, key, version=None) -> bool:
        return self._guard("has_key", False, super().has_key, key, version)

    def incr(self, key, delta=1, version=None) -> int:
        missing = object()
        value = self._guard("incr", missing, super().incr, key, delta, version)
        if value is missing:
            # What incr() of a key that is not there does (decr() comes through here too).
            raise ValueError(f"Key '{key}' not found.")
        return value

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None) -> list:
        # The keys that were not stored: all of them.
        return self._guard("set_many", list(data), super().set_many, data, timeout, version)

    def delete_many(self, keys, version=None) -> None:
        self._guard("delete_many", None, super().delete_many, keys, version)

    def clear(self) -> bool:
        return self._guard("clear", False, super().clear)
