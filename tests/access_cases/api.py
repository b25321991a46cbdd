"""Who may use the public API v1 and its pages (docs/api.md).

API URLs (`api_v1:<operation function>`) are cases with `api=True`: the matrix then
issues the user a token of their own just before the request (after `setup`, before
the fingerprint) and sends `Authorization: Bearer <token>` instead of logging in with
a session; a case's `data` goes as JSON for POST/PUT/PATCH/DELETE (GET: the query
string); an anonymous request must answer 401 in the error shape. Refused users must
get 403 (no permission) or 404 (outside their reach) and change nothing — the token's
last-use columns excepted. An allowed API write gives `ok_statuses` (e.g. (200, 201))
and an `effect`, like any POST.

To add the cases of another router, write a module next to this one (e.g.
`tests/access_cases/api_lending.py`) with `CASES = [Case("api_v1:loans_list", ...,
api=True), ...]`: the matrix collects every module of the package."""

from __future__ import annotations

from tests.access_cases import ALL_USERS, INSIDERS_OF_HOUSEHOLD, Case
from tests.access_cases.effects import audited

# Everyone who sees some household of village A1 (and so the village itself).
VILLAGE_A1 = INSIDERS_OF_HOUSEHOLD - {"subteam_member"} | {"other_villager"}
# Users with the registry permission (VIEW_REGISTRY), the API's read permission.
READERS = set(ALL_USERS) - {"no_role", "display"}
# Who may revoke the villager's token: the villager, and the user managers reaching them.
VILLAGER_TOKEN_REVOKERS = {"villager", "district_admin", "town_admin"}


def _villager_token(w):
    from sanxin.api.services import token_issue

    w.villager_token, _value = token_issue(actor=w.users["villager"], name="村民的令牌")


def _revoked(w, username):
    w.villager_token.refresh_from_db()
    assert w.villager_token.revoked_at is not None
    audited(w, username, "api_token.revoke")


def _issued(w, username):
    from sanxin.api.models import ApiToken

    assert ApiToken.objects.filter(owner=w.users[username], name="对账系统").exists()
    assert b"sx_" in w.response.content  # shown once, on the answer to the POST
    audited(w, username, "api_token.issue")


CASES = [
    # --- the pages ------------------------------------------------------------------
    Case("api:tokens", lambda w: "/api/tokens/", set(ALL_USERS)),
    Case(
        "api:tokens",
        lambda w: "/api/tokens/",
        set(ALL_USERS),
        method="post",
        data=lambda w: {"name": "对账系统"},
        ok_statuses=(200,),
        effect=_issued,
    ),
    Case(
        "api:token_revoke",
        lambda w: f"/api/tokens/{w.villager_token.pk}/revoke/",
        VILLAGER_TOKEN_REVOKERS,
        method="post",
        setup=_villager_token,
        effect=_revoked,
    ),
    Case(
        "api:user_tokens",
        lambda w: f"/api/users/{w.users['villager'].pk}/tokens/",
        {"district_admin", "town_admin"},
    ),
    Case("api:docs", lambda w: "/api/docs/", set(ALL_USERS)),
    # --- the API --------------------------------------------------------------------
    # The root and the schema are public: they describe the API, they hold no data.
    Case("api_v1:api-root", lambda w: "/api/v1/", set(ALL_USERS), public=True, api=True),
    Case(
        "api_v1:openapi-json",
        lambda w: "/api/v1/openapi.json",
        set(ALL_USERS),
        public=True,
        api=True,
    ),
    Case("api_v1:regions_list", lambda w: "/api/v1/regions", READERS, api=True),
    Case(
        "api_v1:regions_detail",
        lambda w: f"/api/v1/regions/{w.village_a1.pk}",
        VILLAGE_A1 | {"committee_head"},
        api=True,
    ),
]


def _final(w):
    from tests.api.data import final_cycle

    w.cycle = final_cycle(w)


# Who sees the world's main household (villager group A1-1): its insiders.
HOUSEHOLD_READERS = INSIDERS_OF_HOUSEHOLD
# Who sees village A1's cycle: everyone with a household of the village in reach.
CYCLE_READERS = INSIDERS_OF_HOUSEHOLD | {"other_group_subteam", "other_villager"}

CASES += [
    Case("api_v1:households_list", lambda w: "/api/v1/households", READERS, api=True),
    Case(
        "api_v1:households_detail",
        lambda w: f"/api/v1/households/{w.household.pk}",
        HOUSEHOLD_READERS,
        api=True,
    ),
    Case(
        "api_v1:grades_of_household",
        lambda w: f"/api/v1/households/{w.household.pk}/grades",
        HOUSEHOLD_READERS,
        setup=_final,
        api=True,
    ),
    Case("api_v1:grades_list", lambda w: "/api/v1/grades", READERS, setup=_final, api=True),
    Case("api_v1:cycles_list", lambda w: "/api/v1/cycles", READERS, setup=_final, api=True),
    Case(
        "api_v1:cycles_detail",
        lambda w: f"/api/v1/cycles/{w.cycle.pk}",
        CYCLE_READERS,
        setup=_final,
        api=True,
    ),
    Case(
        "api_v1:cycles_results",
        lambda w: f"/api/v1/cycles/{w.cycle.pk}/results",
        CYCLE_READERS,
        setup=_final,
        api=True,
    ),
]
