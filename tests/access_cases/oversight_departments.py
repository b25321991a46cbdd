"""Who may open the department views (Perm.DEPARTMENT_VIEWS): district admins (every
department of their own district; the other district's admin sees its own district)
and department viewers, only their own department's pages (another department's: 403).
The world's department viewer belongs to 区委组织部; `_as(dept)` rebinds it to another
department for the cases where a viewer of that department must get in."""

from __future__ import annotations

from tests.access_cases import Case

ADMINS = {"district_admin", "other_district_admin"}
WITH_VIEWER = ADMINS | {"department_viewer"}


def _as(department: str):
    def setup(w):
        from sanxin.accounts.models import RoleAssignment

        RoleAssignment.objects.filter(
            user=w.users["department_viewer"], role="department_viewer"
        ).update(department=department)

    return setup


def _page(dept: str) -> str:
    return f"/oversight/departments/{dept}/"


def _export(dept: str, table: str) -> str:
    return f"/oversight/departments/{dept}/export/{table}.xlsx"


OTHER_DEPARTMENTS = ("political_legal", "civil_affairs", "credit_union", "approval")
# (department, table, its viewer's setup or None): every table of 组织部, and for each
# other department one table as the world's 组织部 viewer (refused) and one as its own.
EXPORTS = [
    ("organisation", "vanguard", None),
    ("organisation", "grades", None),
    ("organisation", "members", None),
    ("organisation", "members", "civil_affairs"),
    ("political_legal", "appeals", None),
    ("political_legal", "vetoes", "political_legal"),
    ("civil_affairs", "items", None),
    ("civil_affairs", "appeals", "civil_affairs"),
    ("credit_union", "lending", None),
    ("credit_union", "validation", "credit_union"),
    ("approval", "items", None),
    ("approval", "village_items", "approval"),
]

CASES = [
    Case("oversight:departments", lambda w: "/oversight/departments/", WITH_VIEWER),
    Case(
        "oversight:departments",
        lambda w: "/oversight/departments/",
        WITH_VIEWER,
        setup=_as("approval"),
    ),
    Case("oversight:department", lambda w: _page("organisation"), WITH_VIEWER),
    Case(
        "oversight:department",
        lambda w: f"{_page('organisation')}?year=2026&town={w.town_a.pk}",
        WITH_VIEWER,
    ),
    Case(
        "oversight:department",
        lambda w: _page("organisation"),
        ADMINS,
        setup=_as("political_legal"),
    ),
    Case(
        "oversight:department_members",
        lambda w: "/oversight/departments/organisation/members/",
        WITH_VIEWER,
    ),
    Case(
        "oversight:department_members",
        lambda w: f"/oversight/departments/organisation/members/?village={w.village_a1.pk}",
        WITH_VIEWER,
    ),
    Case(
        "oversight:department_members",
        lambda w: "/oversight/departments/organisation/members/",
        ADMINS,
        setup=_as("credit_union"),
    ),
]

for _dept in OTHER_DEPARTMENTS:
    CASES += [
        # The world's viewer is 组织部: another department's page is not its business.
        Case("oversight:department", lambda w, d=_dept: _page(d), ADMINS),
        Case(
            "oversight:department",
            lambda w, d=_dept: f"{_page(d)}?year=2026&town={w.town_a.pk}&village={w.village_a1.pk}",
            WITH_VIEWER,
            setup=_as(_dept),
        ),
    ]

for _dept, _table, _viewer in EXPORTS:
    if _viewer is None:
        allowed = WITH_VIEWER if _dept == "organisation" else ADMINS
    else:
        allowed = WITH_VIEWER if _viewer == _dept else ADMINS
    CASES.append(
        Case(
            "oversight:department_export",
            lambda w, d=_dept, t=_table: _export(d, t),
            allowed,
            setup=_as(_viewer) if _viewer else None,
        )
    )
