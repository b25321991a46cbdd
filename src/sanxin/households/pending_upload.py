"""An uploaded spreadsheet between preview and confirm, shared by the imports (roster,
credit assessments, point entries): kept encrypted in `PendingImport`, found again
only by its uploader and only in a village they still reach, dropped when stale.

Each import but the roster's marks its tokens with a prefix, so one user can have
one pending upload of each kind; the roster's (no prefix) replaces all of them.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import timedelta
from typing import TypeVar

from django.contrib import messages
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone

from sanxin.households.models import PendingImport
from sanxin.lib import crypto
from sanxin.lib.spreadsheet import safe_filename
from sanxin.regions.models import Region

MAX_AGE = timedelta(hours=2)
R = TypeVar("R")


def store(*, user, village, filename: str, content: bytes, prefix: str = "") -> PendingImport:
    """Keep an uploaded file, encrypted, until its uploader confirms it: one per user
    and prefix (an earlier unconfirmed upload is dropped, as are stale ones)."""
    kind = PendingImport.objects.filter(token__startswith=prefix) if prefix else PendingImport.objects
    kind.filter(user=user).delete()
    kind.filter(created_at__lt=timezone.now() - MAX_AGE).delete()
    return PendingImport.objects.create(
        token=prefix + secrets.token_urlsafe(32),
        user=user,
        village=village,
        filename=safe_filename(filename),
        content_encrypted=crypto.encrypt_bytes(content),
    )


def load(token: str, *, user, villages: QuerySet, prefix: str = "") -> PendingImport:
    """The user's own pending upload for a village among `villages`; 404 otherwise."""
    if prefix and not token.startswith(prefix):
        raise Http404
    pending = (
        PendingImport.objects.filter(token=token, user=user).select_related("village").first()
    )
    if pending is None or not villages.filter(pk=pending.village_id).exists():
        raise Http404
    return pending


def is_fresh(pending: PendingImport) -> bool:
    return pending.created_at >= timezone.now() - MAX_AGE


def expired(request: HttpRequest, pending: PendingImport, message: str, to: str) -> HttpResponse:
    """Drop a stale upload, tell the user and send them back to upload again."""
    pending.delete()
    messages.error(request, message)
    return redirect(to)


def content(pending: PendingImport) -> bytes:
    return crypto.decrypt_bytes(bytes(pending.content_encrypted))


def confirm(pending: PendingImport, run: Callable[[bytes, str, Region], R]) -> R:
    """Check the stored file again and apply it, `run(content, filename, village)`;
    the stored file is deleted either way (both in one transaction)."""
    stored = content(pending)
    with transaction.atomic():
        result = run(stored, pending.filename, pending.village)
        pending.delete()
    return result
