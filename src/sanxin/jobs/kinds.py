"""The kinds of background job. An app above jobs registers each of its kinds in its
`AppConfig.ready` (ratings: `ratings/jobs.py`); jobs never imports it. A kind names
the permission that lets a user over the job's region see and retry it, and the body
that does the work, reporting progress through a `Reporter`. A kind whose result is a
file returns it as a `JobFile` under the summary's "file" key; the job stores it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from sanxin.accounts.scope import Perm

if TYPE_CHECKING:
    from sanxin.jobs.models import Job


class Reporter(Protocol):
    def set_total(self, total: int) -> None: ...
    def advance(self, done: int) -> None: ...
    def remember(self, **values: Any) -> None: ...


@dataclass(frozen=True)
class JobFile:
    """A job's file result: its bytes, the name it downloads under, its type."""

    content: bytes
    filename: str
    content_type: str


@dataclass(frozen=True)
class JobKind:
    name: str
    # Holders of this permission (or one of `also`) over the job's region may see the
    # job, retry it and download its file; None: only the user who started it (a file
    # shaped by the starter's own view, e.g. the columns of an export).
    perm: Perm | None
    # Does the work; returns the result summary: {"lines": [...], "url": "...", ...}.
    run: Callable[[Job, Reporter], dict[str, Any]]
    also: tuple[Perm, ...] = ()

    @property
    def perms(self) -> tuple[Perm, ...]:
        return (self.perm, *self.also) if self.perm is not None else ()


KINDS: dict[str, JobKind] = {}


def register(kind: JobKind) -> None:
    KINDS[kind.name] = kind
