"""Evidence photos (points entries, appeals): which uploads are accepted, their
content hash, and how a stored one is served back."""

from __future__ import annotations

import hashlib
from pathlib import PurePath

from django.core.files.uploadedfile import UploadedFile
from django.db.models.fields.files import FieldFile
from django.http import Http404, HttpResponse

MAX_BYTES = 8 * 1024 * 1024
CONTENT_TYPES = {
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "webp": "image/webp",
    "heic": "image/heic",
}


def problem(photo: UploadedFile) -> str:
    """Why this upload is not accepted as a photo ('' if it is)."""
    suffix = photo.name.rsplit(".", 1)[-1].lower() if "." in photo.name else ""
    if suffix not in CONTENT_TYPES:
        return f"照片“{photo.name}”格式不支持（请用 jpg、png、webp 或 heic）"
    if photo.size > MAX_BYTES:
        return f"照片“{photo.name}”超过 8 MB"
    return ""


def sha256(photo: UploadedFile) -> str:
    """The upload's SHA-256 (hex), leaving it ready to be saved."""
    photo.seek(0)
    digest = hashlib.sha256(photo.read()).hexdigest()
    photo.seek(0)
    return digest


def response(image: FieldFile, filename_stem: str) -> HttpResponse:
    """A stored photo, inline, private, sandboxed; 404 when the file has gone.
    Photos are at most MAX_BYTES, so a plain response is fine (the access matrix
    reads `.content`, which a streaming response would not have)."""
    suffix = PurePath(image.name).suffix.lower().lstrip(".")
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
