"""The app's PNG icons, drawn from the favicon's shapes in plain Python (no image library).

Run ``python -m app.pwa.icons`` to redraw them into app/static/img/icons; the files are
committed, so this runs only when the logo changes. The drawing is the favicon's: a teal
rounded square with a white staircase. "Maskable" icons fill the square edge to edge and
keep the staircase inside the 80 % safe zone, as the manifest spec asks.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

ACCENT = (0x2F, 0x6F, 0x73)  # --accent in app/static/css/stepcare.css
WHITE = (0xFF, 0xFF, 0xFF)
# The favicon's staircase, in its 32-unit box: M7 24h5v-5h5v-5h5V9h3.
STAIRS = [(7, 24), (12, 24), (12, 19), (17, 19), (17, 14), (22, 14), (22, 9), (25, 9)]
STROKE = 2.6
RADIUS = 7
#: (file name, size in pixels, maskable)
ICONS = (
    ("icon-192.png", 192, False),
    ("icon-512.png", 512, False),
    ("icon-maskable-192.png", 192, True),
    ("icon-maskable-512.png", 512, True),
    ("apple-touch-icon-180.png", 180, True),  # iOS draws its own rounded corners
)


def _near_stairs(x: float, y: float) -> bool:
    half = STROKE / 2
    for (x1, y1), (x2, y2) in zip(STAIRS, STAIRS[1:], strict=False):
        # Segments are horizontal or vertical; the round caps and joins are the end discs.
        nx, ny = min(max(x, min(x1, x2)), max(x1, x2)), min(max(y, min(y1, y2)), max(y1, y2))
        if (x - nx) ** 2 + (y - ny) ** 2 <= half * half:
            return True
    return False


def _in_rounded_square(x: float, y: float) -> bool:
    cx, cy = min(max(x, RADIUS), 32 - RADIUS), min(max(y, RADIUS), 32 - RADIUS)
    return 0 <= x <= 32 and 0 <= y <= 32 and (x - cx) ** 2 + (y - cy) ** 2 <= RADIUS ** 2


def _pixel(u: float, v: float, maskable: bool) -> tuple[int, int, int, int]:
    if maskable:
        # Shrink the staircase towards the middle so it sits in the safe zone.
        x, y = 16 + (u - 16) / 0.8, 16 + (v - 16) / 0.8
        return (*(WHITE if _near_stairs(x, y) else ACCENT), 255)
    if not _in_rounded_square(u, v):
        return (0, 0, 0, 0)
    return (*(WHITE if _near_stairs(u, v) else ACCENT), 255)


def render(size: int, maskable: bool) -> bytes:
    """The icon as PNG bytes, 2x2 supersampled so the edges are smooth."""
    scale = 32 / size
    rows = []
    for row in range(size):
        line = bytearray(b"\x00")  # filter type: none
        for col in range(size):
            samples = [_pixel((col + dx) * scale, (row + dy) * scale, maskable)
                       for dx in (0.25, 0.75) for dy in (0.25, 0.75)]
            line.extend(sum(s[i] for s in samples) // 4 for i in range(4))
        rows.append(bytes(line))
    return _png(size, b"".join(rows))


def _chunk(kind: bytes, data: bytes) -> bytes:
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))


def _png(size: int, raw: bytes) -> bytes:
    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)  # 8-bit RGBA
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header)
            + _chunk(b"IDAT", zlib.compress(raw, 9)) + _chunk(b"IEND", b""))


def main() -> None:
    folder = Path(__file__).resolve().parent.parent / "static" / "img" / "icons"
    folder.mkdir(parents=True, exist_ok=True)
    for name, size, maskable in ICONS:
        (folder / name).write_bytes(render(size, maskable))


if __name__ == "__main__":
    main()
