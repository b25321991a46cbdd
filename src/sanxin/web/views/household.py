"""The household page: the registry's record with its members, and beside it the
points-based grade of today and the grade in force (ledger, ratings). It sits in the
site layer because it shows several apps at once; its URL keeps the name
`households:detail` (the root URLconf adds it to the households namespace)."""

from django.shortcuts import render
from django.utils import timezone

from sanxin.accounts.decorators import requires
from sanxin.accounts.scope import Perm
from sanxin.households import selectors
from sanxin.ratings.facts import household_grade
from sanxin.ratings.standing import grade_in_force, is_expired
from sanxin.rules.scheme import GRADE_LABELS


@requires(Perm.VIEW_REGISTRY)
def household_detail(request, pk: int):
    scope = request.scope
    household = scope.get_household(pk)
    members = selectors.members_by_age(household)
    record = grade_in_force(household)
    return render(
        request,
        "web/household_detail.html",
        {
            "household": household,
            "members": members,
            "can_change": scope.covers_household(household, Perm.CHANGE_REGISTRY),
            "grade": household_grade(household, timezone.localdate()),
            "standing": record,
            "standing_label": GRADE_LABELS.get(record.grade, record.grade) if record else "",
            "standing_expired": record is not None and is_expired(record),
        },
    )
