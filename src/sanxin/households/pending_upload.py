"""An uploaded spreadsheet between preview and confirm, shared by the imports (roster,
credit assessments, point entries): kept encrypted in `PendingImport`, found again
only by its uploader and only in a village they still reach, dropped when stale.

Each import but the roster's marks its tokens with a prefix, so one user can have
one pending upload of each kind; the roster's (no prefix) replaces all of them.
`confirm_page` is the confirm view of all three.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar

from django.contrib import messages
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _

from sanxin.households.models import PendingImport
from sanxin.lib import crypto
from sanxin.lib.spreadsheet import Problem, Result, safe_filename
from sanxin.regions.models import Region

MAX_AGE = timedelta(hours=2)
R = TypeVar("R")


def store(*, user, village, filename: str, content: bytes, prefix: str = "") -> PendingImport:
    """Keep an uploaded file, encrypted, until its uploader confirms it: one per user
    and prefix (an earlier unconfirmed upload is dropped, as are stale ones)."""
    kind = (
        PendingImport.objects.filter(token__startswith=prefix) if prefix else PendingImport.objects
    )
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
    pending = PendingImport.objects.filter(token=token, user=user).select_related("village").first()
    if pending is None or not villages.filter(pk=pending.village_id).exists():
        raise Http404
    return pending


def is_fresh(pending: PendingImport) -> bool:
    return pending.created_at >= timezone.now() - MAX_AGE


def content(pending: PendingImport) -> bytes:
    return crypto.decrypt_bytes(bytes(pending.content_encrypted))


def confirm(
    pending: PendingImport, run: Callable[..., R], *, result: type[Result], **options: Any
) -> R:
    """Check the stored file again and apply it, `run(content, filename, village,
    **options)`; the stored file is deleted either way (both in one transaction).
    The row is locked first, so a double submit applies the file once: the second
    gets `result` saying it was already confirmed."""
    with transaction.atomic():
        locked = PendingImport.objects.select_for_update().filter(pk=pending.pk).first()
        if locked is None:
            return result(ok=False, errors=[Problem(None, "", _("该文件已经确认导入过了。"))])
        outcome = run(content(locked), locked.filename, pending.village, **options)
        locked.delete()
    return outcome


def confirm_page(
    request: HttpRequest,
    token: str,
    *,
    villages: QuerySet,
    prefix: str = "",
    expired_message: str,
    upload_url: str,
    apply: Callable[..., Any],
    preview: Callable[..., HttpResponse],
    done: Callable[[Region, Any], tuple[str, str]],
) -> HttpResponse:
    """The confirm view of an import. The user's own fresh upload (else 404, or back
    to `upload_url` with `expired_message` when stale) is applied by
    `apply(pending=, actor=)`. A refused file shows the preview again,
    `preview(village=, filename=, result=)`, with a message; an applied one sends the
    user on: `done(village, result)` gives the message and where to."""
    pending = load(token, user=request.user, villages=villages, prefix=prefix)
    if not is_fresh(pending):
        pending.delete()
        messages.error(request, expired_message)
        return redirect(upload_url)
    village, filename = pending.village, pending.filename
    result = apply(pending=pending, actor=request.user)
    if not result.ok:
        messages.error(request, _("导入没有完成，没有保存任何数据。请按下表修改后重新上传。"))
        return preview(village=village, filename=filename, result=result)
    message, to = done(village, result)
    messages.success(request, message)
    return redirect(to)
