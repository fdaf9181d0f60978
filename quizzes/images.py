"""A question's picture: an untrusted file checked, cleaned and re-encoded with Pillow.

Every picture that reaches the server (an upload in the admin, a file beside a seed
YAML) passes through `picture_from_bytes` before anything is stored:

1. At most `MAX_BYTES`, and not empty (checked before Pillow sees a byte).
2. A real PNG, JPEG or WebP: Pillow may only try those three decoders, so an SVG, an
   HTML page, a GIF or anything renamed to look like a picture is refused by what it
   is, never by its name. GIF is refused (its one use here, a still picture, PNG does
   better; an animation only distracts a class): the message says to save as PNG.
3. At most `MAX_PIXELS`: the header's size is checked, and Pillow's own
   decompression-bomb guard (`Image.MAX_IMAGE_PIXELS`) is set to the same limit and
   turned into a refusal, so a small file that unpacks into gigabytes never does.
4. Opened and verified, then opened again and decoded in full (`verify` leaves the
   image unusable, and some damage shows only when decoding).
5. Turned upright by its EXIF orientation, then re-encoded from the pixels alone: no
   EXIF (GPS position, camera, date), no XMP, no comments, no text chunks, no colour
   profile. A phone photo's metadata can say where a teacher lives, and a picture's
   description can give the answer away.
6. Scaled down to at most `STORED_MAX_SIDE` pixels on its longer side: a projector
   shows no more, and every phone in the class downloads it.

The result keeps its format (a PNG map stays a sharp PNG, a JPEG photo a small JPEG)
and says its size and content type. Pure: Pillow only, no Django.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from typing import BinaryIO

from PIL import Image, ImageOps

MAX_BYTES = 8 * 1024 * 1024
# A 6000x4000 camera photo; a phone's 12-megapixel photo is well inside.
MAX_PIXELS = 24_000_000
STORED_MAX_SIDE = 1920
# The decompression-bomb guard of Pillow, for the whole process: it warns above this
# and refuses above twice this; `picture_from_bytes` refuses above this.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS


@dataclass(frozen=True)
class StoredFormat:
    pillow: str
    extension: str
    content_type: str


# The formats accepted, by Pillow's name; each is stored as itself.
FORMATS = {
    "PNG": StoredFormat("PNG", "png", "image/png"),
    "JPEG": StoredFormat("JPEG", "jpg", "image/jpeg"),
    "WEBP": StoredFormat("WEBP", "webp", "image/webp"),
}
# What a stored file's extension says it is (the media view serves only these).
CONTENT_TYPES = {stored.extension: stored.content_type for stored in FORMATS.values()}
ACCEPTED = "PNG, JPEG or WebP"


class PictureRefused(ValueError):
    """The file is not a picture this server takes; `message` says why, for a teacher."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Picture:
    """A cleaned picture, ready to store: its bytes hold nothing but pixels."""

    data: bytes
    format: StoredFormat
    width: int
    height: int

    @property
    def extension(self) -> str:
        return self.format.extension


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def _sniffed_hint(data: bytes) -> str:
    """A hint for the two refusals teachers will meet most: a GIF and an SVG."""
    head = data[:512].lstrip().lower()
    if head.startswith((b"gif87a", b"gif89a")):
        return " GIF pictures are not taken: save it as PNG."
    if b"<svg" in head or head.startswith(b"<?xml"):
        return " SVG drawings are not taken (they can carry scripts): export it as PNG."
    return ""


def _open(data: bytes) -> Image.Image:
    """Pillow's image of `data` by the accepted decoders only, its pixels within bounds."""
    # catch_warnings changes the process's filters for a moment; a thread opening a
    # picture at that moment may miss the error, but never the size check below it.
    with warnings.catch_warnings():
        # Pillow only warns between MAX_IMAGE_PIXELS and twice that: refuse there too.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        image = Image.open(io.BytesIO(data), formats=tuple(FORMATS))
    if image.width * image.height > MAX_PIXELS:
        raise Image.DecompressionBombError("too many pixels")
    return image


def _too_many_pixels() -> PictureRefused:
    return PictureRefused(
        f"The picture has too many pixels: at most {MAX_PIXELS / 1_000_000:.0f} million "
        f"(e.g. 6000 × 4000). Make it smaller and upload it again."
    )


def _decoded(data: bytes) -> Image.Image:
    try:
        _open(data).verify()
        image = _open(data)
        image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _too_many_pixels() from exc
    except Image.UnidentifiedImageError as exc:
        raise PictureRefused(
            f"This file is not a {ACCEPTED} picture.{_sniffed_hint(data)}"
        ) from exc
    # A damaged or hostile file can fail inside any decoder, in many ways (OSError,
    # SyntaxError, ValueError, struct.error, MemoryError...): each is a refusal of this
    # file, never a server error.
    except Exception as exc:
        raise PictureRefused(
            f"This {ACCEPTED} picture is damaged and cannot be read ({exc.__class__.__name__})."
        ) from exc
    if image.format not in FORMATS:  # Pillow was told to try these only; kept as a guard
        raise PictureRefused(f"This file is not a {ACCEPTED} picture.")
    return image


def _pixels_only(image: Image.Image, stored: StoredFormat) -> Image.Image:
    """The upright pixels in a mode the format stores, with no metadata left."""
    upright = ImageOps.exif_transpose(image)
    if upright.mode == "I" or upright.mode.startswith("I;16"):
        # A 16-bit grey PNG: scaled to 8 bits, not clipped to white.
        upright = upright.convert("I").point(lambda value: value * (1 / 256)).convert("L")
    has_alpha = upright.mode in ("RGBA", "LA", "PA") or (
        upright.mode == "P" and "transparency" in upright.info
    )
    if stored.pillow == "JPEG":
        mode = "L" if upright.mode in ("L", "1") else "RGB"
    elif upright.mode in ("L", "1") and not has_alpha:
        mode = "L"
    else:
        mode = "RGBA" if has_alpha else "RGB"
    clean = upright.convert(mode)
    if max(clean.size) > STORED_MAX_SIDE:
        clean.thumbnail((STORED_MAX_SIDE, STORED_MAX_SIDE), Image.Resampling.LANCZOS)
    # Whatever Pillow kept from the file (exif, icc_profile, xmp, comment, dpi, text...)
    # would be written back by some encoders: the new file gets none of it.
    clean.info = {}
    return clean


def _encoded(image: Image.Image, stored: StoredFormat) -> bytes:
    out = io.BytesIO()
    if stored.pillow == "PNG":
        image.save(out, "PNG", optimize=True)
    elif stored.pillow == "JPEG":
        image.save(out, "JPEG", quality=85, optimize=True)
    else:
        image.save(out, "WEBP", quality=85)
    return out.getvalue()


def picture_from_bytes(data: bytes) -> Picture:
    """The cleaned picture of an untrusted file, or `PictureRefused` saying why."""
    if not data:
        raise PictureRefused("The file is empty.")
    if len(data) > MAX_BYTES:
        raise PictureRefused(
            f"The file is too big: {_megabytes(len(data))}, at most {_megabytes(MAX_BYTES)}. "
            "Make the picture smaller and upload it again."
        )
    image = _decoded(data)
    stored = FORMATS[image.format]
    try:
        with image:
            clean = _pixels_only(image, stored)
        data = _encoded(clean, stored)
    except Exception as exc:  # an odd pixel mode or a decoder's late failure: this file's
        raise PictureRefused(
            f"This picture cannot be converted ({exc.__class__.__name__}): save it as an "
            "ordinary RGB PNG or JPEG and upload it again."
        ) from exc
    return Picture(data=data, format=stored, width=clean.width, height=clean.height)


def picture_from_file(file: BinaryIO) -> Picture:
    """`picture_from_bytes` of an open file, reading no more than the limit allows."""
    data = file.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise PictureRefused(
            f"The file is too big: more than {_megabytes(MAX_BYTES)}. "
            "Make the picture smaller and upload it again."
        )
    return picture_from_bytes(data)
