"""The assessment (考核): schemes, hand scores, publishing and its freezing, versions."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, connection, transaction

from sanxin.audit.models import AuditEvent
from sanxin.oversight.assessment import services
from sanxin.oversight.assessment.compute import compute
from sanxin.oversight.assessment.selectors import assessment_latest_published
from sanxin.oversight.models import (
    AssessmentResult,
    AssessmentScore,
    AssessmentVersion,
    Indicator,
    ManualScore,
)
from tests.oversight import assessment_data as data

pytestmark = pytest.mark.django_db


def test_default_scheme_weighs_100_for_towns_and_villages(world):
    scheme = services.assessment_default_create(
        actor=world.users["district_admin"], district=world.district, year=2025
    )
    indicators = list(scheme.indicators.all())
    assert len(indicators) == 8
    assert services.weight_problems(indicators) == []
    assert AuditEvent.objects.filter(action="assessment.use_defaults").count() == 1


def test_only_the_districts_admin_manages(world):
    for name in ("town_admin", "department_viewer", "other_district_admin"):
        with pytest.raises(PermissionDenied):
            services.assessment_scheme_create(
                actor=world.users[name], district=world.district, year=2025
            )


def test_one_scheme_per_district_and_year(world):
    admin = world.users["district_admin"]
    services.assessment_scheme_create(actor=admin, district=world.district, year=2025)
    with pytest.raises(ValidationError) as exc:
        services.assessment_scheme_create(actor=admin, district=world.district, year=2025)
    assert "2025" in str(exc.value)


def test_publish_refuses_until_weights_add_up_and_hand_scores_are_set(world):
    admin = world.users["district_admin"]
    scheme = services.assessment_default_create(actor=admin, district=world.district, year=2025)
    with pytest.raises(ValidationError) as exc:
        services.assessment_publish(actor=admin, scheme=scheme, seen_version=0)
    assert "还有 5 项区级评分没有评分" in str(exc.value)
    first = scheme.indicators.order_by("sort_order").first()
    services.indicator_edit(
        actor=admin,
        indicator=first,
        name=first.name,
        weight="25",
        level=first.level,
        kind=first.kind,
        computation=first.computation,
        rule=first.rule,
        floor=first.floor,
        target=first.target,
    )
    with pytest.raises(ValidationError) as exc:
        services.assessment_publish(actor=admin, scheme=scheme, seen_version=0)
    assert "适用于村的指标权重合计 105 分，应为 100 分" in str(exc.value)
    assert not AssessmentVersion.objects.exists()


def test_publish_freezes_the_results(world):
    admin = world.users["district_admin"]
    data.graded(world.household, "3A")
    scheme = data.scored_scheme(world)
    version = services.assessment_publish(actor=admin, scheme=scheme, seen_version=0)
    scheme.refresh_from_db()
    assert scheme.status == "published"
    a1 = AssessmentResult.objects.get(version=version, region=world.village_a1)
    coverage = AssessmentScore.objects.get(result=a1, indicator__computation="rating_coverage")
    assert coverage.raw_value == Decimal("50.00")
    assert coverage.working.startswith("已评定 1 户 / 在册 2 户 = 50%")
    # The data changes afterwards: the preview follows, the published result does not.
    data.graded(world.household_a1_2, "4A")
    preview = compute(scheme)
    a1_now = next(r for r in preview.villages if r.region == world.village_a1)
    assert a1_now.scores[0].raw_value == Decimal("100.00")
    coverage.refresh_from_db()
    assert coverage.raw_value == Decimal("50.00")
    published = assessment_latest_published(world.district)
    row = next(r for r in published.villages if r.region == world.village_a1)
    assert row.scores[0].raw_value == Decimal("50.00")
    # Indicators stay as they were published.
    with pytest.raises(ValidationError):
        services.indicator_remove(actor=admin, indicator=scheme.indicators.first())


@pytest.mark.parametrize("table", ["oversight_assessmentresult", "oversight_assessmentscore"])
def test_published_rows_refuse_update_and_delete(world, table):
    scheme = data.scored_scheme(world)
    services.assessment_publish(actor=world.users["district_admin"], scheme=scheme, seen_version=0)
    column = "total" if table.endswith("result") else "score"
    for sql in (f"UPDATE {table} SET {column} = 100", f"DELETE FROM {table}"):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)


def test_a_change_after_publishing_is_a_new_version_with_a_reason(world):
    admin = world.users["district_admin"]
    scheme = data.scored_scheme(world)
    first = services.assessment_publish(actor=admin, scheme=scheme, seen_version=0)
    manual = Indicator.objects.get(scheme=scheme, kind="manual")
    services.manual_score_set(
        actor=admin, indicator=manual, region=world.village_a2, score="10", note="复核后加分"
    )
    with pytest.raises(ValidationError) as exc:
        services.assessment_publish(actor=admin, scheme=scheme, seen_version=1)
    assert "重新发布须写明理由" in str(exc.value)
    second = services.assessment_publish(
        actor=admin, scheme=scheme, seen_version=1, reason="邻村组织领导得分复核"
    )
    assert (first.number, second.number) == (1, 2)
    old = AssessmentResult.objects.get(version=first, region=world.village_a2)
    new = AssessmentResult.objects.get(version=second, region=world.village_a2)
    assert new.total - old.total == Decimal("2.00")
    latest = assessment_latest_published(world.district)
    assert latest.version == second and latest.superseded_by is None
    assert AuditEvent.objects.filter(action="assessment.republish").count() == 1


def test_a_double_publish_makes_one_version(world):
    admin = world.users["district_admin"]
    scheme = data.scored_scheme(world)
    services.assessment_publish(actor=admin, scheme=scheme, seen_version=0)
    with pytest.raises(ValidationError) as exc:
        services.assessment_publish(actor=admin, scheme=scheme, seen_version=0)
    assert "已发布到第 1 版" in str(exc.value)
    assert AssessmentVersion.objects.filter(scheme=scheme).count() == 1


def test_hand_scores_keep_their_history_and_check_the_weight(world):
    admin = world.users["district_admin"]
    scheme = services.assessment_default_create(actor=admin, district=world.district, year=2025)
    manual = Indicator.objects.get(scheme=scheme, kind="manual")
    with pytest.raises(ValidationError) as exc:
        services.manual_score_set(
            actor=admin, indicator=manual, region=world.village_a1, score="11", note="x"
        )
    assert "得分须在 0 到 10 分之间" in str(exc.value)
    with pytest.raises(ValidationError):
        services.manual_score_set(
            actor=admin,
            indicator=manual,
            region=world.group_a1_1,
            score="5",
            note="村民小组不参加考核",
        )
    services.manual_score_set(
        actor=admin, indicator=manual, region=world.village_a1, score="6", note="初评"
    )
    services.manual_score_set(
        actor=admin, indicator=manual, region=world.village_a1, score="9", note="复评"
    )
    assert ManualScore.objects.filter(indicator=manual).count() == 2
    result = compute(scheme)
    a1 = next(r for r in result.villages if r.region == world.village_a1)
    line = next(s for s in a1.scores if s.indicator == manual)
    assert (line.score, line.manual_score.note) == (Decimal("9.00"), "复评")


def test_ranks_share_ties_and_rank_villages_in_their_town(world):
    scheme = data.scored_scheme(world)
    result = compute(scheme)
    assert [r.rank for r in result.villages] == [1, 1, 1]  # nothing but equal hand scores
    assert sorted(r.town_rank for r in result.villages) == [1, 1, 1]
    data.graded(world.household, "3A")
    result = compute(scheme)
    by_region = {r.region: r for r in result.villages}
    assert by_region[world.village_a1].rank == 1
    assert by_region[world.village_a2].rank == by_region[world.village_b1].rank == 2
    assert by_region[world.village_b1].town_rank == 1  # alone in its town
    assert by_region[world.village_a2].town_rank == 2


def test_latest_published_is_none_before_publishing(world):
    assert assessment_latest_published(world.district) is None
    scheme = data.scored_scheme(world)
    services.assessment_publish(actor=world.users["district_admin"], scheme=scheme, seen_version=0)
    published = assessment_latest_published(world.district, year=2025)
    assert {r.region for r in published.towns} == {world.town_a, world.town_b}
    assert {r.region for r in published.villages} == {
        world.village_a1,
        world.village_a2,
        world.village_b1,
    }
    assert all(len(r.scores) == 8 for r in published.results)
    assert assessment_latest_published(world.district, year=2024) is None


def test_indicator_rules_are_checked(world):
    admin = world.users["district_admin"]
    scheme = services.assessment_scheme_create(actor=admin, district=world.district, year=2025)
    base = {"name": "覆盖", "weight": "20", "level": "both", "kind": "computed"}
    with pytest.raises(ValidationError) as exc:
        services.indicator_add(
            actor=admin, scheme=scheme, **base, computation="rating_coverage", rule="linear",
            floor="90", target="60",
        )  # fmt: skip
    assert "目标值须高于下限" in str(exc.value)
    with pytest.raises(ValidationError) as exc:
        services.indicator_add(
            actor=admin, scheme=scheme, **base, computation="rating_coverage",
            rule="thresholds", thresholds=[["90", "25"]],
        )  # fmt: skip
    assert "每档得分须在 0 到权重 20 分之间" in str(exc.value)
    with pytest.raises(ValidationError):
        services.indicator_add(
            actor=admin, scheme=scheme, **base, computation="nonsense", rule="linear",
            floor="1", target="2",
        )  # fmt: skip
    made = services.indicator_add(
        actor=admin, scheme=scheme, **base, computation="rating_coverage",
        rule="thresholds", thresholds=[["60", "5"], ["90", "20"]],
    )  # fmt: skip
    assert made.thresholds == [["60", "5"], ["90", "20"]]


def test_published_on_a_past_date_is_still_the_year_asked(world):
    """Records of another year do not count."""
    data.graded(world.household, "3A", period="2024")
    scheme = data.scored_scheme(world)
    result = compute(scheme, today=date(2026, 3, 1))
    a1 = next(r for r in result.villages if r.region == world.village_a1)
    assert a1.scores[0].raw_value == Decimal("0.00")


def test_a_publication_racing_past_the_check_is_refused_by_the_database(world, monkeypatch):
    """Two publishers both read version 0 before either wrote: the unique constraint
    keeps one version, the other is told so."""
    admin = world.users["district_admin"]
    scheme = data.scored_scheme(world)
    services.assessment_publish(actor=admin, scheme=scheme, seen_version=0)
    monkeypatch.setattr(services, "latest_version_number", lambda scheme: 0)
    with pytest.raises(ValidationError) as exc:
        services.assessment_publish(actor=admin, scheme=scheme, seen_version=0)
    assert "这一版已经发布" in str(exc.value)
    assert AssessmentVersion.objects.filter(scheme=scheme).count() == 1
