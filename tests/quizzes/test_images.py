"""quizzes/images.py: every picture is checked by what it is and stored as pixels only."""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageDraw

from quizzes import images
from quizzes.images import MAX_BYTES, MAX_PIXELS, PictureRefused, picture_from_bytes
from tests.quizzes import pictures


def reopened(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def refusal(data: bytes) -> str:
    with pytest.raises(PictureRefused) as caught:
        picture_from_bytes(data)
    return caught.value.message


def test_a_png_map_is_kept_as_a_png_with_its_size():
    picture = picture_from_bytes(pictures.map_png(960, 640))
    assert (picture.format.extension, picture.format.content_type) == ("png", "image/png")
    assert (picture.width, picture.height) == (960, 640)
    image = reopened(picture.data)
    assert (image.format, image.size) == ("PNG", (960, 640))


def test_jpeg_and_webp_pictures_are_taken_and_stay_what_they_are():
    jpeg = picture_from_bytes(pictures.photo_jpeg_with_metadata())
    webp = picture_from_bytes(pictures.webp_picture())
    assert (jpeg.extension, reopened(jpeg.data).format) == ("jpg", "JPEG")
    assert (webp.extension, reopened(webp.data).format) == ("webp", "WEBP")


def test_the_format_is_read_from_the_content_never_from_a_name():
    # The function is never told a file name; a PNG is a PNG whatever it was called.
    assert picture_from_bytes(pictures.map_png(200, 100)).extension == "png"


def test_a_file_that_is_not_a_picture_is_refused():
    assert "not a PNG, JPEG or WebP picture" in refusal(b"hello, this is a text file")


def test_an_html_page_renamed_to_a_picture_is_refused():
    assert "not a PNG, JPEG or WebP picture" in refusal(pictures.HTML)


def test_an_svg_drawing_is_refused_with_a_hint():
    message = refusal(pictures.SVG)
    assert "not a PNG, JPEG or WebP picture" in message and "SVG" in message


def test_a_gif_is_refused_with_a_hint_to_save_it_as_png():
    assert "save it as PNG" in refusal(pictures.gif_picture())


def test_an_empty_file_is_refused():
    assert refusal(b"") == "The file is empty."


def test_a_file_over_the_size_limit_is_refused_before_pillow_reads_it(monkeypatch):
    opened = []
    monkeypatch.setattr(images.Image, "open", lambda *a, **k: opened.append(a))
    assert "too big" in refusal(b"\x89PNG" + b"\0" * MAX_BYTES)
    assert opened == []


def test_picture_from_file_reads_no_more_than_the_limit():
    class Endless(io.RawIOBase):
        asked: list[int] = []

        def read(self, size=-1):
            self.asked.append(size)
            return b"\0" * size

    endless = Endless()
    with pytest.raises(PictureRefused, match="too big"):
        images.picture_from_file(endless)
    assert endless.asked == [MAX_BYTES + 1]


def test_a_decompression_bomb_is_refused_as_too_many_pixels():
    bomb = pictures.decompression_bomb_png()
    assert len(bomb) < 1_000_000  # small on disk, 900 million pixels when opened
    assert "too many pixels" in refusal(bomb)


def test_a_picture_over_the_pixel_limit_is_refused():
    data = pictures.many_pixels_png()
    assert MAX_PIXELS < 6000 * 4500 and len(data) < MAX_BYTES
    assert "too many pixels" in refusal(data)


def test_pillows_decompression_bomb_guard_is_set_to_the_limit():
    assert Image.MAX_IMAGE_PIXELS == MAX_PIXELS


def test_a_damaged_picture_is_refused():
    data = pictures.map_png(300, 200)
    assert "damaged" in refusal(data[: len(data) // 2])


def test_exif_gps_camera_and_description_are_stripped():
    source = reopened(pictures.photo_jpeg_with_metadata())
    assert source.getexif().get_ifd(0x8825)  # the test photo does carry a GPS position
    cleaned = reopened(picture_from_bytes(pictures.photo_jpeg_with_metadata()).data)
    assert not cleaned.getexif()
    assert "exif" not in cleaned.info and "comment" not in cleaned.info
    assert b"Kosygin" not in picture_from_bytes(pictures.photo_jpeg_with_metadata()).data


def test_text_chunks_of_a_png_are_stripped():
    data = picture_from_bytes(pictures.png_with_text_chunks()).data
    assert b"Bangladesh" not in data and b"teacher" not in data
    assert not reopened(data).text


def test_a_colour_profile_is_not_kept():
    image = Image.new("RGB", (50, 50), "red")
    out = io.BytesIO()
    image.save(out, "PNG", icc_profile=b"not a real profile, just bytes")
    assert "icc_profile" not in reopened(picture_from_bytes(out.getvalue()).data).info


@pytest.mark.parametrize("orientation", [6, 8])
def test_a_photo_held_sideways_is_turned_upright_before_its_exif_goes(orientation):
    """Orientation 6 and 8: stored 400x200, shown 200x400 (the phone was held upright)."""
    picture = picture_from_bytes(pictures.photo_jpeg_with_metadata(orientation=orientation))
    assert (picture.width, picture.height) == (200, 400)
    image = reopened(picture.data).convert("RGB")
    # The red band on the stored picture's left ends up at the top (6) or bottom (8).
    top, bottom = image.getpixel((100, 10)), image.getpixel((100, 390))
    red_at = "top" if top[0] > 150 and top[2] < 100 else "bottom"
    assert red_at == ("top" if orientation == 6 else "bottom"), (top, bottom)
    assert not reopened(picture.data).getexif()


def test_a_big_picture_is_scaled_down_to_the_stored_maximum():
    picture = picture_from_bytes(pictures.map_png(3840, 2560))
    assert (picture.width, picture.height) == (1920, 1280)


def test_transparency_survives_in_a_png():
    image = Image.new("RGBA", (40, 40), (0, 0, 0, 0))
    ImageDraw.Draw(image).ellipse((5, 5, 35, 35), fill=(200, 0, 0, 255))
    out = io.BytesIO()
    image.save(out, "PNG")
    cleaned = reopened(picture_from_bytes(out.getvalue()).data)
    assert cleaned.mode == "RGBA" and cleaned.getpixel((0, 0))[3] == 0


def test_cleaning_the_same_file_twice_gives_the_same_bytes():
    # A second load of an unchanged seed file must find nothing to change.
    data = pictures.photo_jpeg_with_metadata()
    assert picture_from_bytes(data).data == picture_from_bytes(data).data


@pytest.mark.parametrize(
    ("mode", "colour", "fmt", "stored_mode"),
    [
        ("I;16", 32768, "PNG", "L"),  # a 16-bit grey map: scaled, not clipped to white
        ("LA", (100, 50), "PNG", "RGBA"),
        ("1", 1, "PNG", "L"),
        ("CMYK", (0, 100, 0, 0), "JPEG", "RGB"),
        ("L", 128, "JPEG", "L"),
        ("RGBA", (10, 20, 30, 40), "WEBP", "RGBA"),
    ],
)
def test_every_pixel_mode_of_the_accepted_formats_is_stored(mode, colour, fmt, stored_mode):
    out = io.BytesIO()
    Image.new(mode, (20, 20), colour).save(out, fmt)
    stored = reopened(picture_from_bytes(out.getvalue()).data)
    assert stored.mode == stored_mode
    if mode == "I;16":
        assert 120 <= stored.getpixel((0, 0)) <= 136
