"""Predecessor text, as MS Project's Predecessors column writes it: ``3FS+2d, 5SS, 7, 9FF-1d``.

Pure: no Django. Each item is a task's reference number (``Task.ref``), an optional link type
(FS when left out) and an optional lag in working days (``+2d``, ``-1d`` for a lead; ``d``,
``day`` or ``days``, or a bare number). Items are separated by commas or semicolons (MS
Project uses the locale's list separator). The task pages, the API and imports all read links
through :func:`parse`, and the task table shows them through :func:`format_links`, so the text
a person reads is the text they can type back.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

TYPES = ("FS", "SS", "FF", "SF")
# Refs are per-project counters; more digits than this is a typing slip, not a task.
_MAX_REF_DIGITS = 9

_ITEM = re.compile(
    r"""
    \#?(?P<ref>\d+)                      # the task's number, MS Project style (3 or #3)
    \s*(?P<type>[A-Za-z]*)               # FS, SS, FF, SF (any case), or nothing
    \s*(?:
        (?P<sign>[+-])\s*(?P<lag>\d+)    # +2 or -1
        \s*(?P<unit>[A-Za-z%]*)          # d, day, days, or nothing
    )?
    """,
    re.VERBOSE,
)
_DAY_UNITS = {"", "d", "day", "days", "wd"}


class PredecessorError(ValueError):
    """The text has items that are not links; ``messages`` says what is wrong with each."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__(" ".join(messages))
        self.messages = messages


@dataclass(frozen=True, slots=True)
class PredecessorLink:
    """One link from the task numbered ``ref``: its type and lag in working days (< 0: lead)."""

    ref: int
    type: str = "FS"
    lag: int = 0

    def __str__(self) -> str:
        lag = f"{self.lag:+d}d" if self.lag else ""
        if self.type == "FS" and not lag:
            return str(self.ref)
        return f"{self.ref}{self.type}{lag}"


def _parse_item(item: str, max_lag: int) -> PredecessorLink:
    match = _ITEM.fullmatch(item)
    if match is None:
        if not re.match(r"#?\d", item):
            raise PredecessorError(
                [f"“{item}” is not a link: start with the task's number, e.g. 3FS+2d."]
            )
        raise PredecessorError(
            [f"“{item}” is not a link: write number, type and lag, e.g. 3FS+2d or 5SS."]
        )
    ref_text = match["ref"].lstrip("0") or "0"
    if len(ref_text) > _MAX_REF_DIGITS or int(ref_text) == 0:
        raise PredecessorError([f"“{item}”: {match['ref']} is not a task number."])
    kind = match["type"].upper() or "FS"
    if kind not in TYPES:
        raise PredecessorError([f"“{item}” is not a link: use FS, SS, FF or SF."])
    lag = 0
    if match["sign"]:
        if match["unit"].lower() not in _DAY_UNITS:
            raise PredecessorError(
                [
                    f"“{item}”: lags are in working days; write it in days, e.g. "
                    f"{match['ref']}{kind}{match['sign']}2d."
                ]
            )
        lag = int(match["lag"]) if len(match["lag"]) <= 6 else max_lag + 1
        if lag > max_lag:
            raise PredecessorError([f"“{item}”: a lag is at most {max_lag} working days."])
        lag = -lag if match["sign"] == "-" else lag
    return PredecessorLink(ref=int(ref_text), type=kind, lag=lag)


def parse(text: str, *, max_lag: int = 10_000) -> list[PredecessorLink]:
    """The links in ``text``, in the order written. Empty text is no links.

    Raises :class:`PredecessorError` listing every item that is not a link, and any task named
    twice (a task links to another once).
    """
    links: list[PredecessorLink] = []
    errors: list[str] = []
    seen: set[int] = set()
    for raw in re.split(r"[,;]", text or ""):
        item = raw.strip()
        if not item:
            continue
        try:
            link = _parse_item(item, max_lag)
        except PredecessorError as error:
            errors.extend(error.messages)
            continue
        if link.ref in seen:
            errors.append(f"Task {link.ref} is named twice: a task links to another once.")
            continue
        seen.add(link.ref)
        links.append(link)
    if errors:
        raise PredecessorError(errors)
    return links


def format_links(links: Iterable[PredecessorLink]) -> str:
    """The text :func:`parse` reads back: ``3FS+2d, 5SS, 7``, by task number."""
    return ", ".join(str(link) for link in sorted(links, key=lambda link: link.ref))
