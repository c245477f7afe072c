"""The status report's charts as PNG, for e-mail: many mail clients do not show inline SVG.

It paints the very shapes ``reports.status_charts`` lays out for the SVG, with Pillow, at twice
the size for sharp text on high-density screens (the ``<img>`` is shown at the chart's size).
"""

from __future__ import annotations

import io
from functools import cache

from PIL import Image, ImageDraw, ImageFont

from reports.status_charts import Chart, Dot, Line, Polyline, Rect, Text

__all__ = ["png"]

SCALE = 2
FONT_FILES = {
    False: ("DejaVuSans.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
    True: ("DejaVuSans-Bold.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
}


@cache
def _font(size: int, bold: bool) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for name in FONT_FILES[bold]:
        try:
            return ImageFont.truetype(name, size)
        except OSError:
            continue
    return ImageFont.load_default(size=size)  # Pillow's own font, where DejaVu is missing


def _dashed(draw: ImageDraw.ImageDraw, shape: Line) -> None:
    x1, y1, x2, y2 = (v * SCALE for v in (shape.x1, shape.y1, shape.x2, shape.y2))
    length = max(abs(x2 - x1), abs(y2 - y1))
    dash, gap = 4 * SCALE, 3 * SCALE
    position = 0.0
    while position < length:
        end = min(position + dash, length)
        a, b = position / length, end / length
        draw.line(
            [(x1 + (x2 - x1) * a, y1 + (y2 - y1) * a), (x1 + (x2 - x1) * b, y1 + (y2 - y1) * b)],
            fill=shape.stroke,
            width=int(shape.width * SCALE),
        )
        position = end + gap


def png(chart: Chart) -> bytes:
    """The chart painted on white, as PNG bytes."""
    image = Image.new("RGB", (chart.width * SCALE, chart.height * SCALE), "#ffffff")
    draw = ImageDraw.Draw(image)
    for shape in chart.shapes:
        if isinstance(shape, Rect):
            box = [
                shape.x * SCALE,
                shape.y * SCALE,
                (shape.x + shape.w) * SCALE,
                (shape.y + shape.h) * SCALE,
            ]
            if shape.radius:
                draw.rounded_rectangle(box, radius=shape.radius * SCALE, fill=shape.fill)
            else:
                draw.rectangle(box, fill=shape.fill)
        elif isinstance(shape, Line):
            if shape.dashed:
                _dashed(draw, shape)
            else:
                draw.line(
                    [(shape.x1 * SCALE, shape.y1 * SCALE), (shape.x2 * SCALE, shape.y2 * SCALE)],
                    fill=shape.stroke,
                    width=int(shape.width * SCALE),
                )
        elif isinstance(shape, Polyline):
            draw.line(
                [(x * SCALE, y * SCALE) for x, y in shape.points],
                fill=shape.stroke,
                width=int(shape.width * SCALE),
                joint="curve",
            )
        elif isinstance(shape, Dot):
            r = shape.r * SCALE
            cx, cy = shape.x * SCALE, shape.y * SCALE
            draw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=shape.fill)
        elif isinstance(shape, Text):
            anchor = {"start": "ls", "middle": "ms", "end": "rs"}[shape.anchor]
            draw.text(
                (shape.x * SCALE, shape.y * SCALE),
                shape.text,
                fill=shape.fill,
                font=_font(int(shape.size * SCALE), shape.bold),
                anchor=anchor,
            )
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
