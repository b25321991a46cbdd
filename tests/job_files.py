"""For tests of pages whose button starts a background job with a file result (run at
once in tests): follow the redirect to the job's page and download its file."""

from __future__ import annotations

import re

from sanxin.jobs.models import Job


def job_of(response) -> Job:
    assert response.status_code == 302, response.status_code
    match = re.fullmatch(r"/jobs/(\d+)/", response.url)
    assert match, response.url
    return Job.objects.get(pk=int(match.group(1)))


class Downloaded:
    def __init__(self, response, content: bytes):
        self.response, self.content, self.status_code = response, content, response.status_code

    def __getitem__(self, header: str) -> str:
        return self.response[header]


def download(client, response) -> Downloaded:
    """The file of the job `response` (the POST that started it) redirected to."""
    job = job_of(response)
    page = client.get(response.url).content.decode()
    assert f'href="/jobs/{job.pk}/file/"' in page, page
    got = client.get(f"/jobs/{job.pk}/file/")
    assert got.status_code == 200
    return Downloaded(got, b"".join(got.streaming_content))
