"""Server-side SVG line charts (pure: no Flask). A data table always sits beside them."""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape


@dataclass(frozen=True)
class Band:
    low: float
    high: float
    css_class: str


@dataclass(frozen=True)
class Series:
    name: str
    css_class: str
    points: list[tuple[float, float]]  # (x, y) in data units


@dataclass
class Chart:
    width: int = 640
    height: int = 240
    x_range: tuple[float, float] = (0, 1)
    y_range: tuple[float, float] = (0, 10)
    series: list[Series] = field(default_factory=list)
    bands: list[Band] = field(default_factory=list)
    lines: list[tuple[float, str, str]] = field(default_factory=list)  # (y, css class, label)
    x_ticks: list[tuple[float, str]] = field(default_factory=list)
    y_ticks: list[float] = field(default_factory=list)
    markers: list[tuple[float, float, str, str]] = field(default_factory=list)  # x, y, cls, title
    title: str = ""
    pad: tuple[int, int, int, int] = (12, 16, 28, 36)  # top, right, bottom, left

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
        left, right = self.sx(self.x_range[0]), self.sx(self.x_range[1])
        for band in self.bands:
            top, bottom = self.sy(band.high), self.sy(band.low)
            parts.append(f'<rect class="{band.css_class}" x="{left}" y="{top}" '
                         f'width="{right - left}" height="{round(bottom - top, 1)}"/>')
        for y in self.y_ticks:
            parts.append(f'<line class="grid" x1="{left}" x2="{right}" y1="{self.sy(y)}" '
                         f'y2="{self.sy(y)}"/>')
            parts.append(f'<text class="tick" x="{left - 6}" y="{self.sy(y) + 4}" '
                         f'text-anchor="end">{y:g}</text>')
        for x, label in self.x_ticks:
            parts.append(f'<text class="tick" x="{self.sx(x)}" y="{self.height - 8}" '
                         f'text-anchor="middle">{escape(label)}</text>')
        for y, css_class, label in self.lines:
            parts.append(f'<line class="{css_class}" x1="{left}" x2="{right}" y1="{self.sy(y)}" '
                         f'y2="{self.sy(y)}"><title>{escape(label)}</title></line>')
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
