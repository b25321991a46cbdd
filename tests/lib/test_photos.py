"""Evidence photos: only real JPEG, PNG and WebP images are accepted, whatever their
name says; what is stored is the photo re-encoded, upright, bounded in size, without
metadata."""

from __future__ import annotations

import hashlib
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image

from sanxin.lib import photos
from tests.crafted_files import image_bytes, png_bomb

UNREADABLE = "无法识别，请上传 JPG、PNG 或 WebP 格式的照片"


def upload(name: str, content: bytes, content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def stored(photo: SimpleUploadedFile) -> Image.Image:
    return Image.open(io.BytesIO(photos.clean(photo).read()))


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("门前.jpg", b"<!doctype html><html><script>alert(1)</script></html>", "image/jpeg"),
        (
            "门前.png",
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            "image/png",
        ),
        ("门前.png", image_bytes("GIF"), "image/png"),
        ("门前.webp", b"RIFF\x10\x00\x00\x00WEBPVP8 junk", "image/webp"),
        ("门前.jpg", b"", "image/jpeg"),
    ],
)
def test_what_is_not_a_real_photo_is_refused(name, content, content_type):
    message = photos.problem(upload(name, content, content_type))
    assert message == f"照片“{name}”{UNREADABLE}"


def test_a_truncated_jpeg_is_refused():
    noise = Image.effect_noise((300, 300), 64).convert("RGB")
    buffer = io.BytesIO()
    noise.save(buffer, "JPEG", quality=95)
    content = buffer.getvalue()
    assert "已损坏或不完整" in photos.problem(upload("半张.jpg", content[: len(content) // 2]))


def test_a_decompression_bomb_is_refused_before_decoding():
    content = png_bomb()
    assert len(content) < 200
    message = "像素过多（JPG 最多 4,000 万像素，PNG、WebP 最多 1,600 万像素），请缩小后再上传"
    assert message in photos.problem(upload("炸弹.png", content))
    just_over = png_bomb(4000, 4001)  # 16,004,000 pixels: under Pillow's own bound
    assert message in photos.problem(upload("大.png", just_over, "image/png"))


def test_a_file_over_the_size_limit_is_refused():
    big = upload("大.jpg", b"\xff\xd8" + b"\0" * photos.MAX_BYTES)
    assert photos.problem(big) == "照片“大.jpg”超过 8 MB"


def test_gps_and_every_other_metadata_are_stripped_and_the_orientation_applied():
    picture = Image.new("RGB", (40, 20), (255, 0, 0))
    picture.paste((0, 0, 255), (20, 0, 40, 20))  # left half red, right half blue
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6  # shown turned a quarter clockwise
    exif[ExifTags.Base.Make] = "Phone"
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (40.0, 58.0, 1.5),
    }
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", exif=exif, comment=b"at home")
    photo = upload("定位.jpg", buffer.getvalue())
    assert photos.problem(photo) == ""

    result = stored(photo)
    assert result.format == "JPEG"
    assert dict(result.getexif()) == {}
    assert not result.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    assert not {"exif", "comment", "xmp", "icc_profile"} & set(result.info)
    assert result.size == (20, 40)  # upright: the red half now on top
    red, green, blue = result.convert("RGB").getpixel((10, 5))
    assert red > 200 and blue < 60


def test_a_large_photo_is_downscaled_and_keeps_its_format():
    photo = upload("大图.jpg", image_bytes("JPEG", (4000, 3000)))
    assert stored(photo).size == (2560, 1920)
    webp = stored(upload("图.webp", image_bytes("WEBP", (3000, 100)), "image/webp"))
    assert (webp.format, webp.size) == ("WEBP", (2560, 85))
    clear = Image.new("RGBA", (30, 20), (0, 0, 0, 0))
    buffer = io.BytesIO()
    clear.save(buffer, "PNG")
    png = stored(upload("透明.png", buffer.getvalue(), "image/png"))
    assert (png.format, png.mode, png.getpixel((0, 0))[3]) == ("PNG", "RGBA", 0)


def test_a_long_strip_is_stored_not_a_server_error():
    """Found by the fuzzer (fuzz/targets.py `photo`): a JPEG far wider than high
    (63,752 x 5) scaled its short side to 0 pixels for Pillow's draft(), which divided
    by it (ZeroDivisionError: a 500 on the upload)."""
    problem = photos.problem(upload("长条.jpg", image_bytes("JPEG", (20_000, 3))))
    assert problem == ""
    strip = stored(upload("长条.jpg", image_bytes("JPEG", (20_000, 3))))
    assert strip.format == "JPEG" and strip.width == 2560 and strip.height >= 1
    tall = stored(upload("竖条.jpg", image_bytes("JPEG", (3, 20_000))))
    assert tall.height == 2560 and tall.width >= 1


def test_the_stored_name_follows_the_real_format_and_the_hash_the_stored_bytes():
    photo = upload("收据.jpg", image_bytes("PNG"), "image/jpeg")
    cleaned = photos.clean(photo)
    content = cleaned.read()
    assert cleaned.name == "photo.png" and content.startswith(b"\x89PNG")
    assert photos.sha256(cleaned) == hashlib.sha256(content).hexdigest()
    assert photos.clean(photo).read() == content  # decoded once, the same every time


def test_a_multi_picture_jpeg_is_stored_as_its_first_picture():
    first, second = Image.new("RGB", (40, 30), "red"), Image.new("RGB", (40, 30), "blue")
    buffer = io.BytesIO()
    first.save(buffer, "MPO", save_all=True, append_images=[second])
    result = stored(upload("双摄.jpg", buffer.getvalue()))
    assert (result.format, result.size, getattr(result, "n_frames", 1)) == ("JPEG", (40, 30), 1)
    assert result.getpixel((5, 5))[0] > 200
