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
    # job, retry it and download its file; its starter too, but only while they hold
    # it (a starter whose role ended, or whose reach no longer covers the region, is
    # refused like anyone else). None: only the user who started it (a file shaped by
    # the starter's own view, e.g. the columns of an export), and only while they
    # still hold `starter_perm` over the job's region.
    perm: Perm | None
    # Does the work; returns the result summary: {"lines": [...], "url": "...", ...}.
    run: Callable[[Job, Reporter], dict[str, Any]]
    also: tuple[Perm, ...] = ()
    # For a kind without `perm`: what its starter needed to start it over the region.
    starter_perm: Perm | None = None

    def __post_init__(self) -> None:
        if self.perm is None and self.starter_perm is None:
            raise ValueError(f"job kind {self.name}: a starter-only kind names starter_perm")

    @property
    def perms(self) -> tuple[Perm, ...]:
        return (self.perm, *self.also) if self.perm is not None else ()


KINDS: dict[str, JobKind] = {}


def register(kind: JobKind) -> None:
    KINDS[kind.name] = kind
