"""Everything Sanxin holds about one household and its members (个人信息查阅与复制,
PIPL Art. 45): the villager's own data page, its JSON download and its readable PDF.

The collector walks an explicit table, `SOURCES`: for each model that holds rows
about a household or a person, how its rows are found (the lookup to the household)
and which fields are left out and why (secrets such as the encrypted identity number
or a QR card's token, idempotency keys, and other people's protected identities).
`tests/web/test_mydata.py` fails when a model that points at a household or a person
is in neither `SOURCES` nor `NOT_COLLECTED`, so a new kind of record cannot be
forgotten. One query per source (related rows joined), whatever the household holds.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# Fields never shown, whatever the model: secrets, keys and internal fingerprints.
SECRET_FIELDS = frozenset(
    {
        "password",
        "id_number_encrypted",
        "id_number_hash",
        "id_last_digits_index",
        "idempotency_key",
        "fingerprint",
        "batch_key",
        "token",
    }
)


@dataclass(frozen=True)
class Source:
    """Rows of one model about the household."""

    label: str  # "app.Model"
    title: Any  # the section's heading (lazy translation)
    household: str | None = None  # lookup from the model to the household's id
    person: str | None = None  # or: lookup to a person of the household
    exclude: frozenset[str] = frozenset()
    only: Callable[[], Q] | None = None  # a further filter (e.g. candidacies told)
    why_excluded: str = ""  # for `exclude`, in the doc and the page footnote
    order_by: tuple[str, ...] = ("pk",)

    @property
    def model(self) -> type[models.Model]:
        return apps.get_model(self.label)


def _told() -> Q:
    # A household sees its own candidacy only once the committee has told it.
    return Q(told_on__isnull=False)


SOURCES: tuple[Source, ...] = (
    Source("households.Household", gettext_lazy("户信息"), household="pk"),
    Source("households.Person", gettext_lazy("家庭成员"), household="household_id"),
    Source(
        "households.Move",
        gettext_lazy("人员迁移记录"),
        person="person_id",
    ),
    Source(
        "accounts.User",
        gettext_lazy("登录账号"),
        person="person_id",
        exclude=frozenset({"is_superuser", "is_staff", "first_name", "last_name", "region"}),
    ),
    Source("accounts.RoleAssignment", gettext_lazy("账号角色"), household="household_id"),
    Source("ledger.Entry", gettext_lazy("积分记录"), household="household_id"),
    Source("ledger.VetoEvent", gettext_lazy("否决与直接判级"), household="household_id"),
    Source("credit.CreditAssessment", gettext_lazy("信用联社“双基”评分"), household="household_id"),
    Source("ratings.Rating", gettext_lazy("评定结果"), household="household_id"),
    Source("ratings.Adjustment", gettext_lazy("等级调整"), household="household_id"),
    Source("ratings.Appeal", gettext_lazy("异议"), household="household_id"),
    Source("ratings.GradeRecord", gettext_lazy("在用等级记录"), household="household_id"),
    Source("ratings.Certificate", gettext_lazy("信用等级证书"), household="household_id"),
    Source("rewards.Wallet", gettext_lazy("积分超市余额"), household="household_id"),
    Source("rewards.WalletEntry", gettext_lazy("积分超市收支"), household="household_id"),
    Source("rewards.ExpiryNotice", gettext_lazy("积分到期提醒"), household="household_id"),
    Source("rewards.Redemption", gettext_lazy("兑换小票"), household="household_id"),
    Source(
        "rewards.RedemptionLine", gettext_lazy("兑换明细"), household="redemption__household_id"
    ),
    Source(
        "rewards.RedemptionVoid", gettext_lazy("作废记录"), household="redemption__household_id"
    ),
    Source(
        "rewards.HouseholdCard",
        gettext_lazy("门牌码"),
        household="household_id",
        why_excluded=gettext_lazy("门牌码的密钥不显示（凭它可以在收银台兑换）"),
    ),
    Source(
        "rewards.Candidate",
        gettext_lazy("后备人选"),
        household="household_id",
        only=_told,
        why_excluded=gettext_lazy("评信团告知本户之前的后备人选提名不显示"),
    ),
    Source("lending.CreditLine", gettext_lazy("授信"), household="household_id"),
    Source("lending.CreditLineEvent", gettext_lazy("授信变动"), household="line__household_id"),
    Source("lending.LoanApplication", gettext_lazy("贷款申请"), household="household_id"),
    Source("lending.Loan", gettext_lazy("贷款"), household="household_id"),
    Source("lending.Instalment", gettext_lazy("还款计划"), household="loan__household_id"),
    Source("lending.Repayment", gettext_lazy("还款"), household="loan__household_id"),
    Source("engagement.Representative", gettext_lazy("村民代表"), household="person__household_id"),
    Source(
        "engagement.Nomination",
        gettext_lazy("荣誉提名"),
        household="household_id",
        exclude=frozenset({"nominated_by"}),
        why_excluded=gettext_lazy("其他村民提名本户时，提名人不显示"),
    ),
    Source("engagement.Honour", gettext_lazy("荣誉"), household="household_id"),
    Source(
        "engagement.HonourWithdrawal", gettext_lazy("荣誉撤销"), household="honour__household_id"
    ),
    Source("engagement.SignUp", gettext_lazy("活动报名"), household="household_id"),
    Source("engagement.CheckIn", gettext_lazy("活动签到"), household="household_id"),
    Source("engagement.Suggestion", gettext_lazy("建言献策"), household="household_id"),
    Source("engagement.Contribution", gettext_lazy("出资出力"), household="household_id"),
    Source("notifications.Notification", gettext_lazy("通知"), household="household_id"),
    Source("privacy.CorrectionRequest", gettext_lazy("更正申请"), household="household_id"),
    Source("households.Consent", gettext_lazy("公开同意"), household="household_id"),
    Source("privacy.Anonymisation", gettext_lazy("匿名化记录"), household="household_id"),
)

# Models that point at a household or a person but are not shown, with the reason.
NOT_COLLECTED: dict[str, str] = {
    "households.PendingImport": "导入前的临时文件（加密保存，几小时内删除），不属于某一户",
    "engagement.HonourObjection": "对提名的异议保护异议人的身份；评信团对提名的处理结果见“荣誉提名”",
    "engagement.Ballot": "投票不记名，选票与投票人分开保存",
    "engagement.BallotCast": "只记录某人是否已投票，不记录投给谁；投票本身不记名",
    "ledger.PendingEntry": "审核队列的索引，只指向尚未审核的积分记录；记录本身见“积分记录”",
}


@dataclass
class Section:
    title: str
    columns: list[str]
    rows: list[list[str]]
    note: str = ""
    data: list[dict[str, Any]] = field(default_factory=list)  # for the JSON download

    @property
    def data_rows(self) -> list[list[tuple[str, str]]]:
        """Each record as (field label, value) pairs, for the page."""
        return [list(zip(self.columns, row, strict=True)) for row in self.rows]


def _fields(model: type[models.Model], exclude: frozenset[str]) -> list[models.Field]:
    return [
        f
        for f in model._meta.concrete_fields
        if f.name not in SECRET_FIELDS and f.name not in exclude
    ]


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bytes | memoryview):
        return None
    return value


def _shown(obj: models.Model, f: models.Field) -> Any:
    """A field's value as the household should read it: choices by their label,
    a related row by its name, JSON as compact text."""
    if f.is_relation:
        related = getattr(obj, f.name)
        return "" if related is None else str(related)
    value = getattr(obj, f.attname)
    if f.choices and value not in (None, ""):
        return str(getattr(obj, f"get_{f.name}_display")())
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, default=str)
    value = _plain(value)
    return "" if value is None else value


def _query(source: Source, household, person_ids: list[int]) -> models.QuerySet:
    model = source.model
    if source.household is not None:
        qs = model._default_manager.filter(**{source.household: household.pk})
    else:
        qs = model._default_manager.filter(**{f"{source.person}__in": person_ids})
    if source.only is not None:
        qs = qs.filter(source.only())
    related = [f.name for f in _fields(model, source.exclude) if f.is_relation and f.many_to_one]
    related += [f.name for f in _fields(model, source.exclude) if f.one_to_one]
    return qs.select_related(*related).order_by(*source.order_by)


def collect(household) -> list[Section]:
    """The household's data, one section per source that holds any (in `SOURCES` order),
    plus who saw its members' full identity numbers."""
    person_ids = list(
        apps.get_model("households.Person")
        ._default_manager.filter(household=household)
        .values_list("pk", flat=True)
    )
    sections: list[Section] = []
    for source in SOURCES:
        fields_ = _fields(source.model, source.exclude)
        rows, data = [], []
        for obj in _query(source, household, person_ids):
            shown = [_shown(obj, f) for f in fields_]
            rows.append([str(v) for v in shown])
            data.append(
                {
                    f.name: (
                        _shown(obj, f)
                        if f.is_relation or f.choices
                        else _plain(getattr(obj, f.attname))
                    )
                    for f in fields_
                }
            )
        if rows:
            sections.append(
                Section(
                    title=str(source.title),
                    columns=[str(f.verbose_name) for f in fields_],
                    rows=rows,
                    note=str(source.why_excluded),
                    data=data,
                )
            )
    sections.append(_reveals(person_ids))
    return sections


def _reveals(person_ids: list[int]) -> Section:
    """Who opened a member's full identity number, and when (each reveal is audited)."""
    AuditEvent = apps.get_model("audit.AuditEvent")
    events = AuditEvent._default_manager.filter(
        action="person.reveal_id", object_id__in=[str(pk) for pk in person_ids]
    ).order_by("at", "pk")
    rows, data = [], []
    for event in events:
        at = timezone.localtime(event.at).isoformat(timespec="seconds")
        rows.append([at, event.actor_name, event.object_repr])
        data.append({"at": at, "actor": event.actor_name, "person": event.object_repr})
    return Section(
        title=_("谁查看过完整身份证号"),
        columns=[_("时间"), _("查看人"), _("成员")],
        rows=rows,
        note=_("工作人员每次查看完整身份证号都会被记录"),
        data=data,
    )


def as_json(household, sections: list[Section]) -> str:
    return json.dumps(
        {
            "household": household.number,
            "village": household.village.name,
            "generated_at": timezone.localtime().isoformat(timespec="seconds"),
            "sections": [{"title": s.title, "note": s.note, "rows": s.data} for s in sections],
        },
        ensure_ascii=False,
        indent=2,
        default=str,
    )


PDF_VALUE_LIMIT = 1500  # characters of one value printed; the JSON copy has them all


def _clip(value: str) -> str:
    if len(value) <= PDF_VALUE_LIMIT:
        return value
    return value[:PDF_VALUE_LIMIT] + _("…（内容较长，完整内容见 JSON 文件）")


def as_pdf(household, sections: list[Section]) -> bytes:
    """A readable A4 copy: each section a heading, each record a two-column table of
    field and value (wide records do not fit a page as one row), the numbers embedded
    in the document font so it prints on any viewer."""
    import io

    from reportlab.lib.units import mm
    from reportlab.platypus import KeepTogether, Paragraph, Spacer, Table, TableStyle

    from sanxin.lib import pdf

    buffer = io.BytesIO()
    title = _("%(village)s %(number)s号户 个人信息副本") % {
        "village": household.village.name,
        "number": household.number,
    }
    doc = pdf.a4_document(buffer, title=title, author="Sanxin")
    width = pdf.content_width(doc)
    h1 = pdf.paragraph_style("h1", 16, spaceAfter=4 * mm)
    h2 = pdf.paragraph_style("h2", 12.5, spaceBefore=5 * mm, spaceAfter=2 * mm)
    body = pdf.paragraph_style("body", 9.5)
    small = pdf.paragraph_style("small", 8.5, textColor=pdf.MUTED)
    story: list = [
        Paragraph(pdf.markup(title), h1),
        Paragraph(
            pdf.markup(
                _("生成时间：%(at)s。这是系统保存的关于本户及家庭成员的全部信息。")
                % {"at": timezone.localtime().strftime("%Y-%m-%d %H:%M")}
            ),
            body,
        ),
    ]
    style = TableStyle(
        [
            ("FONTNAME", (0, 0), (-1, -1), pdf.font_name()),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("GRID", (0, 0), (-1, -1), 0.4, pdf.RULE),
            ("BACKGROUND", (0, 0), (0, -1), pdf.SHADE),
        ]
    )
    for section in sections:
        story.append(Paragraph(pdf.markup(section.title), h2))
        if section.note:
            story.append(Paragraph(pdf.markup(section.note), small))
        if not section.rows:
            story.append(Paragraph(pdf.markup(_("无")), body))
        for row in section.rows:
            cells = [
                [Paragraph(pdf.markup(c), body), Paragraph(pdf.markup(_clip(v)), body)]
                for c, v in zip(section.columns, row, strict=True)
                if v != ""
            ]
            table = Table(cells, colWidths=[width * 0.28, width * 0.72])
            table.setStyle(style)
            story.append(KeepTogether([table, Spacer(1, 2 * mm)]))
    doc.build(story, canvasmaker=pdf.numbered_canvas(pdf.page_footer))
    return buffer.getvalue()
