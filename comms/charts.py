"""The digest's picture: eNPS per pulse and weekly feedback volume, drawn as a small PNG with Pillow."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw

WIDTH, HEIGHT = 720, 360
MARGIN = 36
INK = (33, 37, 41)
GRID = (222, 226, 230)
LINE = (29, 53, 87)
BARS = (168, 218, 220)


def digest_chart(enps: list[tuple[str, int]], weekly_feedback: list[int]) -> bytes:
    image = Image.new("RGB", (WIDTH, HEIGHT), "white")
    draw = ImageDraw.Draw(image)
    half = HEIGHT // 2
    _enps_panel(draw, enps, (MARGIN, 24, WIDTH - MARGIN, half - 16))
    _volume_panel(draw, weekly_feedback, (MARGIN, half + 24, WIDTH - MARGIN, HEIGHT - 16))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def _enps_panel(draw: ImageDraw.ImageDraw, points: list[tuple[str, int]], box: tuple[int, int, int, int]) -> None:
    left, top, right, bottom = box
    draw.text((left, top - 18), "eNPS per pulse (-100 to +100)", fill=INK)
    middle = (top + bottom) // 2
    for level in (top, middle, bottom):
        draw.line([(left, level), (right, level)], fill=GRID)
    if not points:
        draw.text((left + 8, middle - 14), "no pulse past the anonymity threshold yet", fill=INK)
        return
    step = (right - left) / max(len(points) - 1, 1)
    xy = [(left + i * step, middle - value * (bottom - top) / 200.0) for i, (_, value) in enumerate(points)]
    if len(xy) > 1:
        draw.line(xy, fill=LINE, width=3)
    for (x, y), (label, value) in zip(xy, points, strict=True):
        draw.ellipse([x - 4, y - 4, x + 4, y + 4], fill=LINE)
        draw.text((x - 10, y - 18), f"{value:+d}", fill=INK)
        draw.text((x - 14, bottom + 2), label.removeprefix("PULSE-"), fill=INK)


def _volume_panel(draw: ImageDraw.ImageDraw, weeks: list[int], box: tuple[int, int, int, int]) -> None:
    left, top, right, bottom = box
    draw.text((left, top - 18), f"Feedback per week, last {len(weeks)} weeks", fill=INK)
    draw.line([(left, bottom), (right, bottom)], fill=GRID)
    most = max(weeks, default=0) or 1
    width = (right - left) / max(len(weeks), 1)
    for i, count in enumerate(weeks):
        x0 = left + i * width + 4
        height = (bottom - top - 14) * count / most
        draw.rectangle([x0, bottom - height, x0 + width - 8, bottom], fill=BARS)
        draw.text((x0, bottom - height - 12), str(count), fill=INK)
