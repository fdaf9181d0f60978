"""Pictures for the tests and the documented example, drawn here with Pillow.

Nothing is downloaded or copied from elsewhere: every picture the tests upload (good
ones, hostile ones) and the example map in docs/examples/ are made by these functions.
`python -m tests.quizzes.pictures` draws the example map again.
"""

from __future__ import annotations

import io
import struct
import sys
import zlib
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_MAP = ROOT / "docs" / "examples" / "example-picture-quiz-images" / "eastern-wing.png"

SEA = (207, 232, 247)
LAND = (244, 236, 216)
WING = (76, 153, 92)
INK = (22, 22, 29)


def two_wings_map(width: int = 960, height: int = 640) -> Image.Image:
    """A schematic map (not to scale) of South Asia with Pakistan's two wings, 1947-71.

    Drawn by hand from a few points: it shows that India lay between the wings and
    nothing more, and names neither the answer nor anything later than 1971."""
    sx, sy = width / 960, height / 640

    def at(points: list[tuple[int, int]]) -> list[tuple[float, float]]:
        return [(x * sx, y * sy) for x, y in points]

    image = Image.new("RGB", (width, height), SEA)
    draw = ImageDraw.Draw(image)
    land = [(150, 70), (820, 70), (905, 250), (840, 335), (640, 365), (560, 600), (470, 600)]
    land += [(380, 425), (250, 385), (120, 300), (100, 150)]
    draw.polygon(at(land), fill=LAND, outline=INK, width=3)
    west = [(120, 95), (300, 80), (330, 175), (290, 300), (200, 360), (115, 330), (95, 200)]
    draw.polygon(at(west), fill=WING, outline=INK, width=3)
    east = [(690, 235), (780, 225), (800, 300), (745, 340), (690, 312)]
    draw.polygon(at(east), fill=WING, outline=INK, width=3)
    big = ImageFont.load_default(size=max(12, int(30 * sy)))
    small = ImageFont.load_default(size=max(10, int(24 * sy)))
    draw.text((135 * sx, 205 * sy), "West\nPakistan", font=small, fill="white")
    draw.text((660 * sx, 360 * sy), "East Pakistan", font=small, fill=INK)
    draw.text((450 * sx, 230 * sy), "INDIA", font=big, fill=INK)
    draw.text((20 * sx, 590 * sy), "Pakistan, 1947 to 1971 (not to scale)", font=small, fill=INK)
    return image


def attach(question: Any, data: bytes, alt: str = "") -> None:
    """Give a question (not saved) the cleaned picture of `data`, as a load stores it."""
    from quizzes.images import picture_from_bytes
    from quizzes.models import picture_file_save

    picture = picture_from_bytes(data)
    question.image = picture_file_save(picture)
    question.image_width, question.image_height = picture.width, picture.height
    question.image_alt = alt


def detach(question: Any) -> None:
    question.image, question.image_alt = "", ""
    question.image_width = question.image_height = None


def encoded(image: Image.Image, fmt: str, **params: object) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **params)
    return out.getvalue()


def map_png(width: int = 960, height: int = 640) -> bytes:
    return encoded(two_wings_map(width, height), "PNG")


def portrait_png() -> bytes:
    """A tall picture (a standing figure's proportions), for the portrait layout."""
    image = Image.new("RGB", (600, 900), LAND)
    draw = ImageDraw.Draw(image)
    draw.rectangle((150, 100, 450, 820), fill=WING, outline=INK, width=6)
    draw.ellipse((220, 20, 380, 180), fill=SEA, outline=INK, width=6)
    return encoded(image, "PNG")


GPS_LATITUDE = (33.0, 41.0, 36.0)


def photo_jpeg_with_metadata(*, orientation: int = 1) -> bytes:
    """A JPEG 'phone photo' (wider than tall as stored) carrying what a phone writes: a
    GPS position, a camera, a description that gives an answer away, and the
    orientation it was held in."""
    image = Image.new("RGB", (400, 200), SEA)
    ImageDraw.Draw(image).rectangle((0, 0, 99, 199), fill=(200, 0, 0))  # red on the left
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "Phone 12"  # Model
    exif[0x010E] = "Answer: Kosygin at Tashkent"  # ImageDescription
    exif[0x0112] = orientation
    gps = exif.get_ifd(0x8825)  # GPSInfo: 33°41'36" N, 73°3' E
    gps.update({1: "N", 2: GPS_LATITUDE, 3: "E", 4: (73.0, 3.0, 0.0)})
    return encoded(image, "JPEG", exif=exif.tobytes(), comment=b"taken at home")


def png_with_text_chunks() -> bytes:
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Description", "The answer is Bangladesh")
    info.add_text("Author", "A teacher's full name")
    return encoded(two_wings_map(240, 160), "PNG", pnginfo=info)


def webp_picture() -> bytes:
    return encoded(two_wings_map(480, 320), "WEBP", quality=80)


def gif_picture() -> bytes:
    return encoded(two_wings_map(240, 160), "GIF")


SVG = (
    b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b'<script>alert("hi")</script><rect width="10" height="10"/></svg>'
)
HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return (
        struct.pack(">I", len(data))
        + kind
        + data
        + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    )


def decompression_bomb_png(side: int = 30_000) -> bytes:
    """A real PNG of side x side black pixels (one bit each) that is a few hundred KB
    on disk and would take side^2 pixels of memory (900 million by default) to open."""
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)  # 1-bit greyscale
    row = b"\x00" * (1 + (side + 7) // 8)  # filter byte + the row's bits
    packer = zlib.compressobj(9)
    body = b"".join(packer.compress(row) for _ in range(side)) + packer.flush()
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", body)
        + _png_chunk(b"IEND", b"")
    )


def many_pixels_png(width: int = 6000, height: int = 4500) -> bytes:
    """A plain picture of 27 million pixels: over the limit, well under the bomb guard's
    refusal (twice the limit)."""
    return encoded(Image.new("L", (width, height), 255), "PNG")


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else EXAMPLE_MAP
    target.parent.mkdir(parents=True, exist_ok=True)
    two_wings_map().save(target, "PNG", optimize=True)
    print(f"Drew {target.relative_to(ROOT) if target.is_relative_to(ROOT) else target}")
