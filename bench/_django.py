"""What the benchmarks that run Django share: settings, best-of timing, a throw-away database."""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Iterator


def setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def best_of(call: Callable[[], object], repeats: int) -> float:
    """The fastest of ``repeats`` wall-clock runs of ``call``, in seconds."""
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        call()
        best = min(best, time.perf_counter() - started)
    return best


@contextlib.contextmanager
def throwaway_database() -> Iterator[None]:
    """A test database of the configured engine (SQLite in memory by default, PostgreSQL when
    ``DATABASE_URL`` says so) for the block, destroyed after it; prints which it is."""
    from django.conf import settings
    from django.db import connection
    from django.test.utils import setup_test_environment, teardown_test_environment

    setup_test_environment()
    old_name = settings.DATABASES["default"]["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    print(f"database: {connection.vendor} (test database {connection.settings_dict['NAME']})")
    try:
        yield
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()
