"""The demo's reserve candidates: four villagers of 大贵口村 (the pilot's number) at
four statuses, through the services, dated after the final and before the build."""

from __future__ import annotations

import pytest
from django.utils import timezone

from sanxin.audit.models import AuditEvent
from sanxin.ratings.choices import CycleState
from sanxin.ratings.models import Cycle
from sanxin.rewards.models import Candidate, CandidateCriteria, CandidateEvent
from sanxin.web import demo


@pytest.fixture(autouse=True)
def fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_four_candidates_at_four_statuses(db):
    cal = demo.build(households=24).calendar
    candidates = list(Candidate.objects.select_related("village", "household"))
    assert sorted(c.status for c in candidates) == sorted(
        ["nominated", "confirmed", "forwarded", "accepted"]
    )
    assert {c.village.name for c in candidates} == {"大贵口村"}
    assert {c.grade_at_nomination for c in candidates} <= {"4A", "5A"}
    assert [c.status for c in candidates if c.told_on] == ["accepted"]
    assert CandidateCriteria.objects.count() == 1
    # (The demo year's finished cycle; the previous one, a year earlier, is final too.)
    final = Cycle.objects.get(
        village__name="大贵口村", period=cal.cycle_period, state=CycleState.FINAL
    ).finalised_at
    now = timezone.now()
    for event in CandidateEvent.objects.all():
        assert final < event.at < now
    assert AuditEvent.objects.filter(action="candidate.nominate").count() == 4
    before = list(CandidateEvent.objects.values_list("pk", flat=True))
    demo.build(households=24)
    assert list(CandidateEvent.objects.values_list("pk", flat=True)) == before
