"""Helpers for the `effect` of allowed POST cases: what a user would notice."""

from __future__ import annotations

from django.contrib.messages import get_messages

from sanxin.audit.models import AuditEvent


def messages_shown(world) -> list[str]:
    """The flash messages the POST queued (shown on the page it redirects to)."""
    return [str(m) for m in get_messages(world.response.wsgi_request)]


def errors_shown(world) -> list[str]:
    return [str(m) for m in get_messages(world.response.wsgi_request) if m.level_tag == "error"]


def audited(world, username: str, action: str, **filters) -> AuditEvent:
    """The one audit row of `action` by the user (the POST's own)."""
    rows = AuditEvent.objects.filter(actor=world.users[username], action=action, **filters)
    assert rows.count() == 1, f"{username}: expected one {action} audit row, got {rows.count()}"
    return rows.get()


def succeeded(world, username: str) -> None:
    """The POST was not turned into an error message."""
    errors = errors_shown(world)
    assert not errors, f"{username}'s POST was refused: {errors}"
