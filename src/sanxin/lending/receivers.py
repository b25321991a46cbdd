"""Lending reacting to ratings (ratings/signals.py, both sent inside the change's
transaction). Connected in LendingConfig.ready.

`grade_changed`: a household's credit line follows its grade in force the moment a
dynamic change (a veto, a direct grading, their end) is written — suspended, lowered
or restored.

`cycle_final`: a village's new grades are in force; the lines granted from its earlier
cycle follow them at once (a household now rated lower is suspended or lowered until
the officer grants from the new cycle). That the village is ready to grant is read
from the cycles themselves (`selectors.village_summaries`), nothing is stored for it."""

from django.dispatch import receiver

from sanxin.lending.services.lines import credit_line_follow_grade, credit_lines_follow_cycle
from sanxin.ratings.signals import cycle_final, grade_changed


@receiver(grade_changed, dispatch_uid="lending.credit_line_follow_grade")
def line_follows_grade(sender, *, household, record, actor, now, **kwargs):
    credit_line_follow_grade(household=household, record=record, actor=actor, now=now)


@receiver(cycle_final, dispatch_uid="lending.credit_lines_follow_cycle")
def lines_follow_cycle(sender, *, cycle, actor, now, **kwargs):
    credit_lines_follow_cycle(cycle=cycle, actor=actor, now=now)
