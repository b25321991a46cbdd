"""What ratings tells the layers above it (rewards, lending), without knowing them.

Both are sent inside the caller's transaction, so a receiver's writes commit or roll
back with the change that caused them.

`cycle_final`: a village's rating cycle has just become final and its grades are in
force. Arguments: cycle, actor (User or None for the system), today, now.

`grade_changed`: a household's grade in force changed between cycles (a dynamic
downgrade by a veto, or its restoration), right after the new GradeRecord was
written. Arguments: household, record (the new GradeRecord), before (the grade
value in force until now), actor, now."""

from django.dispatch import Signal

cycle_final = Signal()
grade_changed = Signal()
