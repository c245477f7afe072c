"""Each project's RAG thresholds (``projects.rag.Thresholds``), for every page that colours a
figure.

They are stored with the project's health settings in ``reports`` (``HealthThresholds``), one
floor above the earned-value page of ``budgets`` that must colour SPI and CPI the same way.
Rather than a lower app importing a higher one, ``reports`` registers how to read them from its
``AppConfig.ready()``; until it has (an app set without ``reports``), DESIGN's defaults apply.
The source is set once at start-up in every process, never changed while serving.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from projects import rag

if TYPE_CHECKING:
    from projects.models import Project

__all__ = ["register_source", "thresholds_for"]

Source = Callable[["Project"], rag.Thresholds]

_source: list[Source] = []


def register_source(source: Source) -> None:
    """Say how to read a project's thresholds (called from an ``AppConfig.ready()``)."""
    _source[:] = [source]


def thresholds_for(project: Project) -> rag.Thresholds:
    """The project's thresholds, or DESIGN's defaults when it has none."""
    return _source[0](project) if _source else rag.Thresholds()
