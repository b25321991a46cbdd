"""The demo's assessment (web/demo/assessment.py): built small, as the other demo tests
do; published for every town and village of 双滦区, with a superseded first version."""

from __future__ import annotations

import pytest

from sanxin.oversight.assessment.selectors import assessment_latest_published
from sanxin.oversight.models import AssessmentResult, AssessmentVersion
from sanxin.regions.choices import Level
from sanxin.regions.models import Region
from sanxin.web import demo

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_the_demo_publishes_the_year_of_its_finished_cycle():
    result = demo.build(households=24)
    district = Region.objects.get(name="双滦区", level=Level.DISTRICT)
    published = assessment_latest_published(district)
    assert published is not None and published.year == result.calendar.reference_year
    assert published.version.number == 2 and published.version.reason
    regions = Region.objects.filter(path__startswith=district.path)
    assert len(published.towns) == regions.filter(level=Level.TOWN).count()
    assert len(published.villages) == regions.filter(level=Level.VILLAGE).count()
    pilot = next(r for r in published.villages if r.region.name == "大贵口村")
    assert pilot.rank == 1 and pilot.total > 60
    coverage = pilot.scores[0]
    assert coverage.name == "评定覆盖率" and coverage.raw_value > 90
    first = AssessmentVersion.objects.get(scheme=published.scheme, number=1)
    assert AssessmentResult.objects.filter(version=first).count() == len(published.results)
    # Built again, nothing more is made.
    demo.build(households=24)
    assert AssessmentVersion.objects.filter(scheme=published.scheme).count() == 2
