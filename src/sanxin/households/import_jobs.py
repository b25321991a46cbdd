"""The spreadsheet imports as background jobs (the roster, the point entries; any
import built on `pending_upload`): checking an uploaded file and applying a
confirmed one run in the worker, with progress (rows checked / applied of the
total), and the preview, the result or the row-numbered problems wait on the
import's own job page (`/…/import/jobs/<id>/`). The upload and the confirm
requests return at once.

One code path for every size: the upload is stored encrypted (`pending_upload`),
a *check* job reads it and plans it (writing nothing), its outcome is the
preview; the confirm starts an *apply* job, which checks the stored file again and
applies it in one transaction through the import's own confirm service
(`pending_upload.confirm`: the stored file is locked, applied, deleted). The
job's outcome is remembered inside that same transaction, so:

* a worker killed midway leaves nothing applied and the stored file still there:
  a retry applies it;
* a worker killed after the commit leaves the outcome remembered: a retry reports
  it without applying anything again;
* a double tap on "确认导入" finds the apply job already started for the same
  stored file (the file's row is locked while looking) and shows it: one apply.

Each import declares an `ImportKind` and registers it (`register_import`) in its
app's `AppConfig.ready`; the two job kinds `<name>.check` and `<name>.apply`
follow from it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from sanxin.accounts.scope import Perm, scope_for
from sanxin.households import pending_upload
from sanxin.households.models import PendingImport
from sanxin.jobs import selectors as job_selectors
from sanxin.jobs.choices import JobStatus
from sanxin.jobs.kinds import JobKind, Reporter, register
from sanxin.jobs.models import Job
from sanxin.jobs.services import job_start
from sanxin.lib.spreadsheet import Problem, Result
from sanxin.regions.models import Region

if TYPE_CHECKING:
    from sanxin.accounts.models import User

# (rows done, rows in all)
Progress = Callable[[int, int], None]

# The problems a job keeps for its page (a file wrong on every row could hold
# hundreds of thousands); the page says how many more there were.
KEPT_PROBLEMS = 1000
# How often progress is written: at most every this many seconds.
PROGRESS_EVERY = 0.5

GONE = "上传的文件已不在了：确认导入后、重新上传后或上传两小时后，暂存的文件即被删除。请重新上传。"


@dataclass(frozen=True)
class ImportKind:
    """One spreadsheet import, as the job machinery sees it."""

    name: str  # "households.roster": the job kinds are "<name>.check" and "<name>.apply"
    perm: Perm  # who over the village may see the import's jobs
    title: str  # "花名册", in the job's label
    prefix: str  # the PendingImport token prefix of the import
    page: str  # the URL name of the import's job page (args: the job's pk)
    # read and plan the file, writing nothing: (content, filename, village, actor=,
    # progress=) -> Result
    check: Callable[..., Result]
    # apply a stored file (the import's pending_*_confirm): (pending=, actor=,
    # progress=) -> Result
    apply: Callable[..., Result]
    # what an applied result did, one line in Chinese: (village, result) -> str
    summary: Callable[[Region, Result], str]
    # where to go once applied into a village (or region): `done_page(...)`
    done_url: Callable[[Region], str]
    # whether a checked result has anything to confirm
    confirmable: Callable[[Result], bool]
    # a result as JSON for the job's page, and back (the preview templates read it)
    dump: Callable[[Result], dict[str, Any]]
    load: Callable[[dict[str, Any]], Result]

    @property
    def check_kind(self) -> str:
        return f"{self.name}.check"

    @property
    def apply_kind(self) -> str:
        return f"{self.name}.apply"


IMPORTS: dict[str, ImportKind] = {}


def done_page(url_name: str, *, with_village: bool = False) -> Callable[[Region], str]:
    """An ImportKind's `done_url`: the page `url_name`, with `?village=<pk>` of the
    village imported into when that page takes it (a user serving several villages
    comes back to the one they were working on)."""

    def url(village: Region) -> str:
        base = reverse(url_name)
        return f"{base}?{urlencode({'village': village.pk})}" if with_village else base

    return url


def register_import(kind: ImportKind) -> None:
    IMPORTS[kind.name] = kind
    register(JobKind(name=kind.check_kind, perm=kind.perm, run=lambda j, r: _run_check(kind, j, r)))
    register(JobKind(name=kind.apply_kind, perm=kind.perm, run=lambda j, r: _run_apply(kind, j, r)))


def kind_of(job: Job) -> ImportKind | None:
    name, _dot, step = job.kind.rpartition(".")
    kind = IMPORTS.get(name)
    return kind if kind is not None and step in ("check", "apply") else None


# --- JSON for the page -------------------------------------------------------------------


def dump_problems(problems: list[Problem]) -> list[dict[str, Any]]:
    kept = [p.as_dict() for p in problems[:KEPT_PROBLEMS]]
    if len(problems) > KEPT_PROBLEMS:
        more = len(problems) - KEPT_PROBLEMS
        kept.append(
            Problem(
                None, "", _("另有 %(n)s 个问题未列出；请先改正上面的问题。") % {"n": more}
            ).as_dict()
        )
    return kept


def load_problems(rows: list[dict[str, Any]]) -> list[Problem]:
    return [Problem(r["row"], r["field"], r["message"]) for r in rows]


def dump_common(result: Result) -> dict[str, Any]:
    return {
        "ok": result.ok,
        "errors": dump_problems(result.errors),
        "warnings": dump_problems(result.warnings),
    }


def problem_lines(result: Result) -> list[str]:
    """The problems as lines for a failed job's list: which row, which column, why."""
    lines = []
    for p in result.errors[:KEPT_PROBLEMS]:
        where = []
        if p.row is not None:
            where.append(_("第 %(row)s 行") % {"row": p.row})
        if p.field:
            where.append(p.field)
        lines.append(f"{' '.join(where)}：{p.message}" if where else p.message)
    if len(result.errors) > KEPT_PROBLEMS:
        lines.append(_("另有 %(n)s 个问题未列出。") % {"n": len(result.errors) - KEPT_PROBLEMS})
    return lines


# --- the job bodies -------------------------------------------------------------------


def reporter_progress(report: Reporter) -> Progress:
    """A progress callback writing to the job at most every PROGRESS_EVERY seconds
    (and at the end)."""
    state = {"at": 0.0, "total": -1}

    def progress(done: int, total: int) -> None:
        now = time.monotonic()
        if total != state["total"]:
            state["total"] = total
            report.set_total(total)
        if done >= total or now - state["at"] >= PROGRESS_EVERY:
            state["at"] = now
            report.advance(done)

    return progress


def _pending(job: Job) -> PendingImport | None:
    return (
        PendingImport.objects.select_related("village")
        .filter(pk=job.params["pending"], user=job.started_by)
        .first()
    )


def _run_check(kind: ImportKind, job: Job, report: Reporter) -> dict[str, Any]:
    pending = _pending(job)
    if pending is None:
        raise ValidationError(GONE)
    result = kind.check(
        pending_upload.content(pending),
        pending.filename,
        pending.village,
        actor=job.started_by,
        progress=reporter_progress(report),
    )
    confirmable = result.ok and kind.confirmable(result)
    if not confirmable:
        pending.delete()  # nothing to confirm: the file is not kept
    report.remember(outcome=kind.dump(result), confirmable=confirmable)
    if result.ok:
        line = (
            _("检查通过，请查看结果并确认导入。")
            if confirmable
            else _("检查通过，没有需要保存的内容。")
        )
    else:
        line = _("发现 %(n)s 个问题，没有保存任何数据。") % {"n": len(result.errors)}
    return {"lines": [line], "url": reverse(kind.page, args=[job.pk])}


def _run_apply(kind: ImportKind, job: Job, report: Reporter) -> dict[str, Any]:
    outcome = job.result.get("outcome")
    if outcome is None:
        pending = _pending(job)
        if pending is None:
            raise ValidationError(GONE)
        with transaction.atomic():
            result = kind.apply(
                pending=pending, actor=job.started_by, progress=reporter_progress(report)
            )
            # Remembered in the apply's transaction: a retry after a commit finds it.
            report.remember(outcome=kind.dump(result))
    else:
        result = kind.load(outcome)
    if not result.ok:
        raise ValidationError(problem_lines(result))
    village = Region.objects.get(pk=job.params.get("village", job.region_id))
    return {"lines": [kind.summary(village, result)], "url": kind.done_url(village)}


# --- starting them -------------------------------------------------------------------


def _job_region(kind: ImportKind, actor: User, village: Region) -> Region:
    """Where the job belongs: the village, or for a user whose reach is part of it
    (a sub-team member's villager group) that part."""
    scope = scope_for(actor)
    if scope.covers_region(village, kind.perm):
        return village
    part = scope.regions(kind.perm).filter(path__startswith=village.path).order_by("path").first()
    return part or village


def start_check(
    kind: ImportKind, *, actor: User, village: Region, filename: str, content: bytes
) -> Job:
    """Keep the upload (encrypted) and queue its check; returns at once."""
    pending = pending_upload.store(
        user=actor, village=village, filename=filename, content=content, prefix=kind.prefix
    )
    return job_start(
        actor=actor,
        kind=kind.check_kind,
        region=_job_region(kind, actor, village),
        target=f"{kind.name}:{pending.pk}",
        label=_("检查%(title)s文件“%(file)s”") % {"title": kind.title, "file": pending.filename},
        params={
            "pending": pending.pk,
            "filename": pending.filename,
            "village": pending.village_id,
        },
    )


def start_apply(kind: ImportKind, *, actor: User, pending: PendingImport) -> Job:
    """Queue the apply of a checked file, once: a second confirm of the same stored
    file (a double tap) gets the job the first one started."""
    target = f"{kind.name}.apply:{pending.pk}"
    with transaction.atomic():
        locked = PendingImport.objects.select_for_update().filter(pk=pending.pk).first()
        earlier = Job.objects.filter(kind=kind.apply_kind, target=target).order_by("pk").first()
        if earlier is not None or locked is None:
            if earlier is None:
                raise Http404
            return earlier
        return job_start(
            actor=actor,
            kind=kind.apply_kind,
            region=_job_region(kind, actor, pending.village),
            target=target,
            label=_("导入%(title)s文件“%(file)s”")
            % {"title": kind.title, "file": pending.filename},
            params={
                "pending": pending.pk,
                "filename": pending.filename,
                "village": pending.village_id,
            },
        )


# --- the pages -----------------------------------------------------------------------


PreviewPage = Callable[..., HttpResponse]  # (village=, filename=, result=, token=) -> response


def job_page(
    request: HttpRequest, pk: int, *, kind: ImportKind, preview: PreviewPage
) -> HttpResponse:
    """An import's job page: its progress while it runs (HTMX), then the check's
    preview (with the confirm button) or the apply's result, or the problems."""
    job = job_selectors.get_job(request.user, pk)
    if kind_of(job) is not kind:
        raise Http404
    return _show(request, job, kind, preview)


def _show(request: HttpRequest, job: Job, kind: ImportKind, preview: PreviewPage) -> HttpResponse:
    outcome = job.result.get("outcome")
    if job.kind == kind.check_kind and job.status == JobStatus.SUCCEEDED and outcome is not None:
        token = None
        if job.result.get("confirmable"):
            pending = PendingImport.objects.filter(
                pk=job.params["pending"], user=request.user
            ).first()
            token = pending.token if pending is not None else None
        return preview(
            village=_village_of(job), filename=_file_of(job), result=kind.load(outcome), token=token
        )
    if job.kind == kind.apply_kind and job.status == JobStatus.FAILED and outcome is not None:
        messages.error(request, _("导入没有完成，没有保存任何数据。请按下表修改后重新上传。"))
        return preview(
            village=_village_of(job), filename=_file_of(job), result=kind.load(outcome), token=None
        )
    response = render(
        request,
        "households/import_job.html",
        {**job_selectors.view_of(job), "return_to": request.path, "kind": kind},
    )
    response["Cache-Control"] = "no-store"
    return response


def _village_of(job: Job) -> Region:
    village_id = job.params.get("village")
    return Region.objects.get(pk=village_id) if village_id else job.region


def _file_of(job: Job) -> str:
    return str(job.params.get("filename", ""))


def upload_response(
    request: HttpRequest, job: Job, kind: ImportKind, preview: PreviewPage
) -> HttpResponse:
    """After an upload: the preview at once when the check already ran (the
    immediate backend, or a fast worker), else the job's page."""
    job.refresh_from_db()
    if job.status in (JobStatus.SUCCEEDED, JobStatus.FAILED):
        return _show(request, job, kind, preview)
    return redirect(kind.page, job.pk)


def confirm_response(
    request: HttpRequest,
    token: str,
    *,
    kind: ImportKind,
    villages: Any,
    expired_message: str,
    upload_url: str,
    preview: PreviewPage,
) -> HttpResponse:
    """The confirm of a previewed file: the user's own fresh upload (else 404, or
    back to `upload_url` when stale) is applied by a job. Once it has run, as
    before: the message and on to the import's next page, or the preview again
    with the problems; while it runs, its page."""
    pending = pending_upload.load(token, user=request.user, villages=villages, prefix=kind.prefix)
    if not pending_upload.is_fresh(pending):
        pending.delete()
        messages.error(request, expired_message)
        return redirect(upload_url)
    job = start_apply(kind, actor=request.user, pending=pending)
    job.refresh_from_db()
    if job.status == JobStatus.SUCCEEDED:
        for line in job.result.get("lines", []):
            messages.success(request, line)
        return redirect(kind.done_url(pending.village))
    if job.status == JobStatus.FAILED and job.result.get("outcome") is not None:
        return _show(request, job, kind, preview)
    return redirect(kind.page, job.pk)
