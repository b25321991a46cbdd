"""The kinds of background job. An app above jobs registers each of its kinds in its
`AppConfig.ready` (ratings: `ratings/jobs.py`); jobs never imports it. A kind names
the permission that lets a user over the job's region see and retry it, and the body
that does the work, reporting progress through a `Reporter`."""

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
class JobKind:
    name: str
    perm: Perm
    # Does the work; returns the result summary: {"lines": [...], "url": "...", ...}.
    run: Callable[[Job, Reporter], dict[str, Any]]


KINDS: dict[str, JobKind] = {}


def register(kind: JobKind) -> None:
    KINDS[kind.name] = kind
