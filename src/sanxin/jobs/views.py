"""A job's page and its progress partial (polled by HTMX every 2 s while the job is
queued or running), the retry button and the download of a job's file. Only the user
who started the job and the users over its region (the kind's permission) reach them."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from sanxin.accounts import rates
from sanxin.accounts.decorators import requires
from sanxin.jobs import selectors, services


@requires()
def job_detail(request, pk):
    job = selectors.get_job(request.user, pk)
    return render(
        request, "jobs/detail.html", {**selectors.view_of(job), "return_to": request.path}
    )


@requires()
def job_progress(request, pk):
    job = selectors.get_job(request.user, pk)
    # The page polling this partial is where the retry button leads back to.
    back = request.htmx.current_url_abs_path if request.htmx else ""
    return render(request, "jobs/_progress.html", {**selectors.view_of(job), "return_to": back})


@require_POST
@requires()
def job_retry(request, pk):
    job = selectors.get_job(request.user, pk)
    try:
        services.job_retry(actor=request.user, job=job)
    except (ValidationError, PermissionDenied) as exc:
        text = "；".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        messages.error(request, text)
    else:
        messages.success(request, _("已重新开始该任务"))
    back = request.POST.get("next", "")
    if back and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        return redirect(back)
    return redirect("jobs:detail", job.pk)


@require_GET
@requires()
@rates.limited(rates.EXPORT)
def job_file(request, pk):
    """The job's file, to those who may see the job; 404 once it expired."""
    job = selectors.get_job(request.user, pk)
    if not job.file or job.file_expired:
        raise Http404
    try:
        handle = job.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        handle, as_attachment=True, filename=job.file_name, content_type=job.file_type
    )
    response["Cache-Control"] = "private, no-store"
    return response
