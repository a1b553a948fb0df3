"""Server-side SVG line charts (pure: no Flask). A data table always sits beside them."""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape


@dataclass(frozen=True)
class Band:
    low: float
    high: float
    css_class: str
    label: str = ""  # named inside the band, at its right, where the band is tall enough


@dataclass(frozen=True)
class Series:
    name: str
    css_class: str
    points: list[tuple[float, float]]  # (x, y) in data units


# The SVG scales to its column (CSS width: 100%), so a label's size on screen is
# font_size * column width / width. The narrowest column is the record's card on a 320 px
# phone, about 250 px: 20 units in a 400-unit-wide chart show at 12.5 px there. CSS caps the
# chart's width (26rem), so on a desktop labels stay about 20 px rather than growing.
NARROWEST_COLUMN_PX = 250
MIN_LABEL_PX = 12
# A tick label this close to the plot's edge (in chart units) is aligned inwards.
EDGE = 40


@dataclass
class Chart:
    width: int = 400
    height: int = 250
    font_size: int = 20
    x_range: tuple[float, float] = (0, 1)
    y_range: tuple[float, float] = (0, 10)
    series: list[Series] = field(default_factory=list)
    bands: list[Band] = field(default_factory=list)
    lines: list[tuple[float, str, str]] = field(default_factory=list)  # (y, css class, label)
    x_ticks: list[tuple[float, str]] = field(default_factory=list)  # a label may hold "\n"
    y_ticks: list[float] = field(default_factory=list)
    markers: list[tuple[float, float, str, str]] = field(default_factory=list)  # x, y, cls, title
    title: str = ""
    pad: tuple[int, int, int, int] = (14, 12, 36, 40)  # top, right, bottom, left

    def sx(self, x: float) -> float:
        top, right, bottom, left = self.pad
        low, high = self.x_range
        span = (high - low) or 1
        return round(left + (x - low) / span * (self.width - left - right), 1)

    def sy(self, y: float) -> float:
        top, right, bottom, left = self.pad
        low, high = self.y_range
        span = (high - low) or 1
        return round(self.height - bottom - (y - low) / span * (self.height - top - bottom), 1)

    def svg(self) -> str:
        parts = [f'<svg class="chart" viewBox="0 0 {self.width} {self.height}" role="img" '
                 f'aria-label="{escape(self.title)}" xmlns="http://www.w3.org/2000/svg">',
                 f"<title>{escape(self.title)}</title>"]
        parts += self._bands()
        parts += self._y_axis()
        parts += self._x_axis()
        for y, css_class, label in self.lines:
            parts.append(f'<line class="{css_class}" x1="{self.left}" x2="{self.right}" '
                         f'y1="{self.sy(y)}" y2="{self.sy(y)}"><title>{escape(label)}</title>'
                         "</line>")
        for series in self.series:
            coords = " ".join(f"{self.sx(x)},{self.sy(y)}" for x, y in series.points)
            if len(series.points) > 1:
                parts.append(f'<polyline class="{series.css_class}" points="{coords}"/>')
            for x, y in series.points:
                parts.append(f'<circle class="{series.css_class}" cx="{self.sx(x)}" '
                             f'cy="{self.sy(y)}" r="3.5"><title>{escape(series.name)}: '
                             f'{y:g}</title></circle>')
        for x, y, css_class, title in self.markers:
            parts.append(f'<circle class="{css_class}" cx="{self.sx(x)}" cy="{self.sy(y)}" '
                         f'r="7"><title>{escape(title)}</title></circle>')
        parts.append("</svg>")
        return "".join(parts)

    @property
    def left(self) -> float:
        return self.sx(self.x_range[0])

    @property
    def right(self) -> float:
        return self.sx(self.x_range[1])

    @property
    def _font(self) -> str:
        return f'font-size="{self.font_size}"'

    def _bands(self) -> list[str]:
        parts = []
        for band in self.bands:
            top, bottom = self.sy(band.high), self.sy(band.low)
            parts.append(f'<rect class="{band.css_class}" x="{self.left}" y="{top}" '
                         f'width="{self.right - self.left}" height="{round(bottom - top, 1)}"/>')
            # A label squeezed into a thinner band would overlap its neighbours'.
            if band.label and bottom - top >= self.font_size * 1.1:
                middle = (top + bottom) / 2 + self.font_size * .35
                parts.append(f'<text class="band-label" x="{self.right - 6}" y="{middle:g}" '
                             f'text-anchor="end" {self._font}>{escape(band.label)}</text>')
        return parts

    def _y_axis(self) -> list[str]:
        parts, lift = [], self.font_size * .35  # centres the label on its line
        for y in self.y_ticks:
            parts.append(f'<line class="grid" x1="{self.left}" x2="{self.right}" '
                         f'y1="{self.sy(y)}" y2="{self.sy(y)}"/>')
            parts.append(f'<text class="tick" x="{self.left - 6}" y="{self.sy(y) + lift:g}" '
                         f'text-anchor="end" {self._font}>{y:g}</text>')
        return parts

    def _x_axis(self) -> list[str]:
        parts = []
        lines = max((label.count("\n") + 1 for _x, label in self.x_ticks), default=1)
        first_baseline = self.height - 8 - (lines - 1) * self.font_size
        for x, label in self.x_ticks:
            # Labels near an edge align inwards so that they are not cut off there.
            at = self.sx(x)
            anchor = ("start" if at - self.left < EDGE else "end" if self.right - at < EDGE
                      else "middle")
            rows = "".join(f'<tspan x="{at}" dy="{0 if n == 0 else self.font_size}">'
                           f"{escape(row)}</tspan>" for n, row in enumerate(label.split("\n")))
            parts.append(f'<text class="tick" x="{at}" y="{first_baseline}" '
                         f'text-anchor="{anchor}" {self._font}>{rows}</text>')
        return parts
