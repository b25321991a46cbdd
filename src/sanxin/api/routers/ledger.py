"""Recording point entries through the API: the service the entry form uses
(`ledger.services.entry_record`), with the same permission (`Perm.RECORD_POINTS` over
the household), recusal (never for one's own household), validation (the scheme in
force on the date, the item's tiers, caps and evidence) and result: an entry pending
the committee's review, recorded by the token's owner. An `Idempotency-Key` header is
required: the same key with the same body answers with the first entry and records
nothing; with another body, 409. Photos are added on the entry form only."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Body, Field, Header, Router, Schema, Status

from sanxin.accounts.scope import Perm
from sanxin.api.auth import require
from sanxin.api.errors import ApiError, responses
from sanxin.api.once import KEY_PATTERN, KeyReused, key_reused, record_once
from sanxin.households.selectors import household_members
from sanxin.ledger import services
from sanxin.ledger.choices import Status as EntryStatus
from sanxin.ledger.models import Entry
from sanxin.lib.text import clean_text

router = Router(tags=["积分记录 · ledger"])

MAX_ID = 2**31 - 1
# The service's error keys that the API's body names otherwise.
FIELD_NAMES = {"person": "person_id"}


class EntryIn(Schema):
    """The body of a recording request (its fields are the operation's Body parameters,
    so that a field's error is located at ["body", field] like the service's)."""

    item_code: str = Field(min_length=1, max_length=40, description="积分项代码（方案中的 code）")
    occurred_on: date = Field(description="发生日期，不晚于今天；决定适用的方案版本")
    quantity: int = Field(1, ge=1, le=999)
    person_id: int | None = Field(
        None, ge=1, le=MAX_ID, description="按人记分的项目必填：本户在册成员的 id"
    )
    evidence_text: str = Field("", max_length=2000, description="事实与依据")


class EntryOut(Schema):
    id: int
    household_id: int
    person_id: int | None
    item_code: str
    item_name: str
    component: str
    quantity: int
    occurred_on: date
    points: Decimal = Field(description="the points frozen when recorded")
    tier: str
    evidence_text: str
    status: str = Field(description="pending until the committee reviews it")
    recorded_by_id: int
    recorded_at: datetime


def entry_out(entry: Entry) -> dict:
    try:
        review = entry.review
    except Entry.review.RelatedObjectDoesNotExist:
        status = EntryStatus.PENDING
    else:
        status = EntryStatus.APPROVED if review.approved else EntryStatus.REJECTED
    return {
        "id": entry.pk,
        "household_id": entry.household_id,
        "person_id": entry.person_id,
        "item_code": entry.item_code,
        "item_name": entry.item_name,
        "component": entry.component,
        "quantity": entry.quantity,
        "occurred_on": entry.occurred_on,
        "points": entry.points,
        "tier": entry.tier,
        "evidence_text": entry.evidence_text,
        "status": status.value,
        "recorded_by_id": entry.recorded_by_id,
        "recorded_at": entry.recorded_at,
    }


def _renamed(exc: ValidationError) -> ValidationError:
    if not hasattr(exc, "error_dict"):
        return exc
    return ValidationError(
        {FIELD_NAMES.get(field, field): messages for field, messages in exc.message_dict.items()}
    )


@router.post(
    "/ledger/households/{household_id}/entries",
    response=responses(EntryOut, 400, 409, status=201),
    summary="记积分 · record an entry for a household (Idempotency-Key required)",
    description=(
        "As the entry form: the scheme in force on occurred_on, the item's tiers, caps "
        "and evidence; never for the recorder's own household. The entry waits for the "
        "committee's review. The same Idempotency-Key with the same body answers with "
        "the first entry and records nothing; with another body: 409."
    ),
)
def ledger_entry_create(
    request,
    household_id: int,
    item_code: str = Body(
        ..., min_length=1, max_length=40, description="积分项代码（方案中的 code）"
    ),
    occurred_on: date = Body(..., description="发生日期，不晚于今天；决定适用的方案版本"),  # noqa: B008
    quantity: int = Body(1, ge=1, le=999, description="数量"),
    person_id: int | None = Body(
        None, ge=1, le=MAX_ID, description="按人记分的项目必填：本户在册成员的 id"
    ),
    evidence_text: str = Body("", max_length=2000, description="事实与依据"),
    idempotency_key: str = Header(
        ..., alias="Idempotency-Key", pattern=KEY_PATTERN, description="客户端生成的唯一编号"
    ),
):
    body = EntryIn(
        item_code=item_code,
        occurred_on=occurred_on,
        quantity=quantity,
        person_id=person_id,
        evidence_text=evidence_text,
    )
    scope = require(request, Perm.RECORD_POINTS)
    household = scope.get_household(household_id, Perm.RECORD_POINTS)
    if household.pk in scope.own_household_ids():
        raise ApiError(
            403,
            _("%(n)s号户是您本人的家庭，不能为其记录积分，请回避") % {"n": household.number},
        )
    person = None
    if body.person_id is not None:
        person = household_members(household).filter(pk=body.person_id).first()
        if person is None:
            raise ValidationError({"person_id": _("请选择本户在册成员")})
    evidence = clean_text(body.evidence_text, _("事实与依据"), field="evidence_text")
    item_code = body.item_code.strip()
    content = {
        "household": household.pk,
        "item_code": item_code,
        "occurred_on": body.occurred_on.isoformat(),
        "quantity": body.quantity,
        "person": person.pk if person else None,
        "evidence_text": evidence,
    }
    entry_request = services.EntryRequest(
        household=household,
        item_code=item_code,
        occurred_on=body.occurred_on,
        quantity=body.quantity,
        person=person,
        evidence_text=evidence,
    )

    def perform() -> int:
        return services.entry_record(actor=request.user, request=entry_request).pk

    try:
        entry_id, _replayed = record_once(
            actor=request.user,
            kind="api.entry",
            key=idempotency_key,
            body=content,
            perform=perform,
        )
    except KeyReused:
        raise key_reused() from None
    except ValidationError as exc:
        raise _renamed(exc) from None
    entry = Entry.objects.select_related("review").get(pk=entry_id)
    return Status(201, entry_out(entry))
