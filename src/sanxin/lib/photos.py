"""Evidence photos (points entries, appeals): which uploads are accepted, what is
stored of them, their content hash, and how a stored one is served back.

Every upload is decoded with Pillow, whatever its name or claimed type says: only a
real JPEG, PNG or WebP of at most `MAX_PIXELS` pixels is accepted (a damaged or
truncated file is refused; one declaring more pixels is refused before a pixel is
decoded). What is stored is not the upload but the photo re-encoded (`clean`): turned
upright as its EXIF orientation says, cut down to `MAX_SIDE` pixels on its longest
side, saved again in its own format (JPEG at quality `JPEG_QUALITY`) with no metadata
at all: no EXIF (so no GPS position, camera or time), no XMP, no comments, no colour
profile. The stored hash is that of the stored bytes.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from datetime import datetime
from pathlib import PurePath

from django.core.files.base import ContentFile, File
from django.core.files.uploadedfile import UploadedFile
from django.db import models
from django.db.models.fields.files import FieldFile
from django.http import Http404, HttpResponse
from PIL import ExifTags, Image, UnidentifiedImageError

MAX_BYTES = 8 * 1024 * 1024
# Pixels a photo may have: a JPEG is decoded at 1/2, 1/4 or 1/8 scale when that
# still covers what is stored, a PNG or WebP is decoded whole (4 bytes a pixel).
MAX_PIXELS = {"JPEG": 40_000_000, "PNG": 16_000_000, "WEBP": 16_000_000}
MAX_SIDE = 2560
JPEG_QUALITY = 85
# Decoded format -> the suffix it is stored under.
FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
# For serving stored files, by suffix (heic: photos stored before they were checked).
CONTENT_TYPES = {
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "webp": "image/webp",
    "heic": "image/heic",
}
_CLEANED = "_sanxin_cleaned"  # where `clean` keeps its result on the upload


class PhotoRefused(Exception):
    """The upload is not an acceptable photo; the message is for the user."""


def problem(photo: UploadedFile) -> str:
    """Why this upload is not accepted as a photo ('' if it is)."""
    try:
        clean(photo)
    except PhotoRefused as exc:
        return str(exc)
    return ""


def clean(photo: UploadedFile) -> ContentFile:
    """The photo to store: decoded, upright, bounded in size, re-encoded without
    metadata, named after its real format. The work is done once per upload (a batch
    stores one upload for many entries); each call gives a new file to save."""
    done = getattr(photo, _CLEANED, None)
    if done is None:
        done = _reencode(photo)
        setattr(photo, _CLEANED, done)
    content, suffix = done
    return ContentFile(content, name=f"photo.{suffix}")


def _reencode(photo: UploadedFile) -> tuple[bytes, str]:
    name = _shown(photo.name or "")
    if photo.size is not None and photo.size > MAX_BYTES:
        raise PhotoRefused(f"照片“{name}”超过 {MAX_BYTES // (1024 * 1024)} MB")
    photo.seek(0)
    data = photo.read()
    photo.seek(0)
    unreadable = PhotoRefused(f"照片“{name}”无法识别，请上传 JPG、PNG 或 WebP 格式的照片")
    damaged = PhotoRefused(f"照片“{name}”已损坏或不完整，请重新拍摄或选择照片后再上传")
    too_large = PhotoRefused(
        f"照片“{name}”像素过多（JPG 最多 {MAX_PIXELS['JPEG'] // 10_000:,} 万像素，"
        f"PNG、WebP 最多 {MAX_PIXELS['PNG'] // 10_000:,} 万像素），请缩小后再上传"
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data), formats=list(FORMATS))
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise too_large from None
        except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError):
            raise unreadable from None
        with image:
            fmt = "JPEG" if image.format == "MPO" else image.format  # MPO: a JPEG and more
            if fmt not in FORMATS:
                raise unreadable
            if image.width * image.height > MAX_PIXELS[fmt]:
                raise too_large  # before a pixel is decoded
            try:
                orientation = image.getexif().get(ExifTags.Base.Orientation, 1)
            except Exception:  # a damaged EXIF block: the photo stays as it is
                orientation = 1
            if min(image.size) < 1:
                raise damaged
            if fmt == "JPEG":  # decoded at the smallest scale still covering the stored size
                scale = min(1.0, MAX_SIDE / max(image.size))
                # At least 1 pixel a side: a long strip (63,752 x 5) would scale its short
                # side to 0, and Pillow's draft() divides by it.
                image.draft(
                    "RGB",
                    (max(1, int(image.width * scale)), max(1, int(image.height * scale))),
                )
            try:
                image.load()
                small = _bounded(image, keep_alpha=fmt != "JPEG")
            except (Image.DecompressionBombError, Image.DecompressionBombWarning):
                raise too_large from None
            except (OSError, ValueError, SyntaxError, EOFError):
                raise damaged from None
    if orientation in _TRANSPOSE:
        small = small.transpose(_TRANSPOSE[orientation])
    return _encode(small, fmt), FORMATS[fmt]


# EXIF orientation -> the turn that makes the photo upright (as ImageOps.exif_transpose).
_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def _bounded(image: Image.Image, *, keep_alpha: bool) -> Image.Image:
    """A new image of the pixels only (no metadata), in RGB (or RGBA when the
    photo has transparency and its format keeps it), at most MAX_SIDE a side."""
    has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    mode = "RGBA" if has_alpha and keep_alpha else "RGB"
    if image.mode not in ("RGB", "RGBA", "L"):  # palette, 16-bit, CMYK...: resized as RGB(A)
        image = image.convert("RGBA" if has_alpha else "RGB")
    image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    pixels = image.convert(mode)  # a copy even when the mode is the same
    pixels.info.clear()
    return pixels


def _encode(image: Image.Image, fmt: str) -> bytes:
    buffer = io.BytesIO()
    if fmt == "JPEG":
        image.save(buffer, "JPEG", quality=JPEG_QUALITY, optimize=True)
    elif fmt == "WEBP":
        image.save(buffer, "WEBP", quality=JPEG_QUALITY)
    else:
        image.save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


def _shown(filename: str) -> str:
    name = PurePath((filename or "").replace("\\", "/")).name
    return name if len(name) <= 40 else name[:40] + "…"


def sha256(photo: File) -> str:
    """The file's SHA-256 (hex), leaving it ready to be saved."""
    photo.seek(0)
    digest = hashlib.sha256(photo.read()).hexdigest()
    photo.seek(0)
    return digest


def response(image: FieldFile, filename_stem: str) -> HttpResponse:
    """A stored photo, inline, private, sandboxed; 404 when the file has gone.
    Photos are at most MAX_BYTES, so a plain response is fine (the access matrix
    reads `.content`, which a streaming response would not have)."""
    suffix = PurePath(image.name or "").suffix.lower().lstrip(".")
    try:
        with image.open("rb") as handle:
            content = handle.read()
    except FileNotFoundError:
        raise Http404 from None
    resp = HttpResponse(content, content_type=CONTENT_TYPES.get(suffix, "application/octet-stream"))
    resp["Cache-Control"] = "private, max-age=86400"
    resp["Content-Disposition"] = f'inline; filename="{filename_stem}.{suffix or "jpg"}"'
    resp["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return resp


class PhotoBase(models.Model):
    """The columns every stored evidence photo has: the re-encoded file's hash and
    when it was uploaded. A concrete photo model adds its `image` field (its own
    label and `upload_to`, see `stored_name`) and the row it is evidence for."""

    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.image.name  # type: ignore[attr-defined]


def stored_name(folder: str, when: datetime, owner_id: int, digest: str, filename: str) -> str:
    """Where a photo is stored: `folder/YYYY/MM/<owner id>-<hash prefix>.<suffix>`."""
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "jpg"
    return f"{folder}/{when:%Y/%m}/{owner_id}-{digest[:16]}.{suffix}"
