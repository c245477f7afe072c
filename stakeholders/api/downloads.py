"""Renderers for the API's file downloads (CSV, iCalendar).

A download view returns the file as an ``HttpResponse``; these renderers only let a client ask
for the file's type in ``Accept`` (content negotiation would refuse it otherwise), and render an
error on the way (404, 403) as JSON text.
"""

from __future__ import annotations

import json
from typing import Any

from rest_framework.renderers import BaseRenderer


class _FileRenderer(BaseRenderer):
    charset = "utf-8"

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context=None):
        if isinstance(data, bytes | str):
            return data
        return json.dumps(data).encode()


class CSVRenderer(_FileRenderer):
    media_type = "text/csv"
    format = "csv"


class ICalendarRenderer(_FileRenderer):
    media_type = "text/calendar"
    format = "ics"
