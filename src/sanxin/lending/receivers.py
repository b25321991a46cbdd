"""Lending reacting to ratings: a household's credit line follows its grade in force
the moment a dynamic change (a veto, a direct grading, their end) is written
(ratings/signals.py `grade_changed`, sent inside that transaction). Connected in
LendingConfig.ready.

`cycle_final` needs no receiver here: a village whose latest final cycle has no line
decided yet is shown as ready to grant, read from the cycles themselves
(`selectors.village_summaries`), so nothing is stored that could fall out of step."""

from django.dispatch import receiver

from sanxin.lending.services.lines import credit_line_follow_grade
from sanxin.ratings.signals import grade_changed


@receiver(grade_changed, dispatch_uid="lending.credit_line_follow_grade")
def line_follows_grade(sender, *, household, record, actor, now, **kwargs):
    credit_line_follow_grade(household=household, record=record, actor=actor, now=now)
