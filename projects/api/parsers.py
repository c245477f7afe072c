"""The API's JSON parser: DRF's, with a limit on nesting.

A body of a thousand ``[`` made Python's JSON decoder raise ``RecursionError``, which no parser
turned into a client error, so the API answered 500. No Charter endpoint takes JSON more than a
few levels deep; anything past ``MAX_DEPTH`` is refused with 400 before a view sees it.

A module of its own, importing only DRF's parsers and exceptions: settings name it in
``DEFAULT_PARSER_CLASSES``, which DRF reads while ``rest_framework.views`` is still loading.
"""

from __future__ import annotations

from typing import Any

from rest_framework import parsers
from rest_framework.exceptions import ParseError

MAX_DEPTH = 64
TOO_DEEP = (
    f"JSON parse error - nested too deeply: at most {MAX_DEPTH} levels of arrays and objects."
)


def depth_of(data: Any) -> int:
    """How many arrays and objects deep ``data`` goes (a scalar is 0), without recursion."""
    deepest = 0
    stack = [(data, 1)]
    while stack:
        value, level = stack.pop()
        if isinstance(value, dict):
            children = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        deepest = max(deepest, level)
        if level > MAX_DEPTH:
            break  # deep enough to refuse; no need to walk the rest
        stack.extend((child, level + 1) for child in children)
    return deepest


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, answering 400 for a body nested deeper than ``MAX_DEPTH``."""

    def parse(self, stream, media_type=None, parser_context=None) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            # The decoder gave up before we could count: deeper than the interpreter's limit.
            raise ParseError(TOO_DEEP) from None
        if depth_of(data) > MAX_DEPTH:
            raise ParseError(TOO_DEEP)
        return data
