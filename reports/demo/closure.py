"""Demo closure data (filled in by the closure work)."""

from __future__ import annotations

from projects.demo import DemoContext


def seed(context: DemoContext) -> None:
    return None
