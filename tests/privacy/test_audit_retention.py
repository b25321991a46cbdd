"""The audit log is kept SANXIN_AUDIT_RETENTION_DAYS (at least six months); only the
retention job may delete older rows, and only inside its own transaction."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from sanxin.audit.models import AuditEvent, PruneWindow
from sanxin.audit.services import audit, audit_prune

pytestmark = pytest.mark.django_db


def _row(at):
    return audit(actor=None, action="user.create", object_repr="x", at=at)


def test_old_rows_go_recent_rows_stay_and_the_prune_is_recorded():
    now = timezone.now()
    old = _row(now - timedelta(days=400))
    recent = _row(now - timedelta(days=100))
    assert audit_prune(now=now, days=365) == 1
    assert not AuditEvent.objects.filter(pk=old.pk).exists()
    assert AuditEvent.objects.filter(pk=recent.pk).exists()
    assert AuditEvent.objects.filter(action="audit.prune").count() == 1
    assert PruneWindow.objects.count() == 0


def test_outside_the_job_an_old_row_still_cannot_be_deleted():
    old = _row(timezone.now() - timedelta(days=4000))
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM oversight_auditevent WHERE id = %s", [old.pk])
    assert AuditEvent.objects.filter(pk=old.pk).exists()


def test_the_window_does_not_let_a_recent_row_go():
    now = timezone.now()
    recent = _row(now - timedelta(days=10))
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        PruneWindow.objects.create(before=now - timedelta(days=200))
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM oversight_auditevent WHERE id = %s", [recent.pk])
    assert AuditEvent.objects.filter(pk=recent.pk).exists()


def test_less_than_six_months_is_refused():
    with pytest.raises(ValueError):
        audit_prune(days=100)


def test_the_command_runs():
    call_command("prune_audit")
