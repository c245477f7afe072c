"""The records people attach files to (and discuss), registered by the app that owns each.

Attachments (and comments) live on the ground floor and point at their record by content type
(DESIGN §1); the records live on every floor (scheduling's tasks, risks' issues, reports'
closure), which ``projects`` may not import. So each owner registers its record kinds here from
its ``AppConfig.ready()``: the model and the path segment that names it under a project in the
API (``/api/v1/projects/{id}/<resource>/{pk}/attachments/``). A kind is ``singleton`` when a
project has at most one such record (the closure), reached without an id. Every registered
model has a ``project`` foreign key. Registered once at start-up in every process, never
changed while serving.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django.db.models import Model

__all__ = [
    "RecordKind",
    "record_kind",
    "record_kind_for",
    "record_kinds",
    "register_record_kind",
    "when_record_kind_registered",
]


@dataclass(frozen=True)
class RecordKind:
    resource: str  # the API path segment under a project, e.g. "tasks", "change-requests"
    model: type[Model]
    singleton: bool = False  # one per project (the closure): no id in its URLs

    @property
    def label(self) -> str:
        """How a sentence names one record of the kind: "task", "change request"."""
        return str(self.model._meta.verbose_name)


_kinds: dict[str, RecordKind] = {}
_listeners: list[Callable[[RecordKind], None]] = []


def register_record_kind(
    *, resource: str, model: type[Model], singleton: bool = False
) -> RecordKind:
    """Register a kind of record that carries attachments (called from ``AppConfig.ready()``)."""
    kind = RecordKind(resource=resource, model=model, singleton=singleton)
    _kinds[resource] = kind
    for listener in _listeners:
        listener(kind)
    return kind


def when_record_kind_registered(listener: Callable[[RecordKind], None]) -> None:
    """Call ``listener`` for every kind registered, before or after (whatever the order in which
    the apps get ready): e.g. to connect a ``post_delete`` receiver to its model."""
    _listeners.append(listener)
    for kind in list(_kinds.values()):
        listener(kind)


def record_kinds() -> list[RecordKind]:
    """Every registered kind, in registration order (the apps' order)."""
    return list(_kinds.values())


def record_kind(resource: str) -> RecordKind | None:
    """The kind named by an API path segment, or None."""
    return _kinds.get(resource)


def record_kind_for(model: type[Model]) -> RecordKind | None:
    """The kind of a model (a concrete model, not a subclass' proxy), or None."""
    label = model._meta.concrete_model._meta.label
    return next((kind for kind in _kinds.values() if kind.model._meta.label == label), None)
