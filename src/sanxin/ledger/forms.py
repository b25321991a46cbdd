"""Forms of the points screens. They check the shape of the input; the services
check the rules (scope, scheme, recusal, maker-checker) and name what is wrong."""

from __future__ import annotations

from datetime import date

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sanxin.households.models import Person
from sanxin.ledger.tiers import person_tier
from sanxin.lib.forms import DateInput
from sanxin.lib.text import LineField, TextField
from sanxin.rules.scheme import COMPONENT_LABELS, TIER_LABELS, Scheme

MAX_PHOTOS = 9
PHOTO_HELP = gettext_lazy("可以拍照或从相册选择")


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Several photos from one `<input type=file multiple accept="image/*">`. No
    `capture` attribute: it forces the camera on many phones, and the user should
    choose between the camera and the album. `too_many`: the message past `max_count`
    (with %(n)d). The services check each photo's type and size."""

    def __init__(
        self,
        *,
        max_count: int = MAX_PHOTOS,
        too_many: str | None = None,
        **kwargs,
    ):
        self.max_count = max_count
        self.too_many = too_many
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", PHOTO_HELP)
        kwargs.setdefault(
            "widget", MultipleFileInput(attrs={"accept": "image/*", "multiple": True})
        )
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        cleaned = [super(PhotosField, self).clean(f, initial) for f in files if f]
        if len(cleaned) > self.max_count:
            raise ValidationError(
                (self.too_many or _("最多上传 %(n)d 张照片")) % {"n": self.max_count}
            )
        return cleaned


def parse_date(value) -> date | None:
    try:
        return date.fromisoformat(str(value or "").strip())
    except ValueError:
        return None


def _item_label(item, *, person_marks: bool = True) -> str:
    pts = format(item.points.normalize(), "f")
    parts = [item.name, _("%(p)s分") % {"p": f"+{pts}" if item.points > 0 else pts}]
    if person_marks and item.applies_to == "person":
        parts.append(_("按人记"))
    if item.evidence_required:
        parts.append(_("须附依据"))
    return " · ".join(parts)


def item_choices(
    scheme: Scheme,
    *,
    household_tier: str | None = None,
    member_tiers: set[str] | None = None,
    household_level_only: bool = False,
) -> list:
    """The scheme's items grouped by category for a <select> with <optgroup>s.
    Items the household (or any member, for person-level items) cannot use are left out."""
    groups = []
    for category in scheme.categories:
        options = []
        for item in scheme.items:
            if item.category != category.code:
                continue
            if household_level_only and item.applies_to == "person":
                continue
            if item.applies_to == "person":
                if member_tiers is not None and not member_tiers.intersection(item.tiers):
                    continue
            elif household_tier is not None and household_tier not in item.tiers:
                continue
            options.append((item.code, _item_label(item, person_marks=not household_level_only)))
        if options:
            groups.append((category.name, options))
    return groups


class _PointsFields(forms.Form):
    item_code = forms.ChoiceField(
        label=gettext_lazy("积分项"),
        error_messages={
            "invalid_choice": gettext_lazy("请从列表中选择积分项"),
            "required": gettext_lazy("请选择积分项"),
        },
    )
    quantity = forms.IntegerField(
        label=gettext_lazy("数量"),
        min_value=1,
        max_value=999,
        initial=1,
        error_messages={
            "invalid": gettext_lazy("数量应为正整数"),
            "required": gettext_lazy("请填写数量"),
        },
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 1}),
    )
    occurred_on = forms.DateField(
        label=gettext_lazy("发生日期"),
        error_messages={
            "invalid": gettext_lazy("日期格式应为 年-月-日"),
            "required": gettext_lazy("请填写发生日期"),
        },
        widget=DateInput(),
    )
    evidence_text = TextField(
        label=gettext_lazy("事实与依据"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(
            attrs={"rows": 3, "placeholder": gettext_lazy("何时、何地、什么事，谁能证明")}
        ),
    )
    photos = PhotosField(label=gettext_lazy("照片（可多张）"))

    def __init__(self, *args, today: date, items: list, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        self.fields["item_code"].choices = [("", _("请选择积分项")), *items]
        self.fields["occurred_on"].initial = today
        self.fields["occurred_on"].widget = DateInput(attrs={"max": today.isoformat()})

    def clean_occurred_on(self):
        on = self.cleaned_data["occurred_on"]
        if on > self.today:
            raise ValidationError(
                _("发生日期不能晚于今天（%(d)s）") % {"d": self.today.isoformat()}
            )
        return on


class MemberChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Person) -> str:
        tier = person_tier(obj)
        return obj.name if tier == "masses" else f"{obj.name}（{TIER_LABELS[tier]}）"


class EntryForm(_PointsFields):
    """One entry for one household (or one of its members)."""

    person = MemberChoiceField(
        queryset=Person.objects.none(),
        required=False,
        label=gettext_lazy("人员（按人记分的项目必选）"),
        empty_label=gettext_lazy("— 按户记分，不选人 —"),
        error_messages={"invalid_choice": gettext_lazy("请选择本户在册成员")},
    )
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=40)

    field_order = [
        "item_code",
        "person",
        "quantity",
        "occurred_on",
        "evidence_text",
        "photos",
        "idempotency_key",
    ]

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = members


class HouseholdChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        return (_("%(n)s号") % {"n": obj.number} + f" {obj.head_name}").strip()


class BatchForm(_PointsFields):
    """One household-level item for many households."""

    households = HouseholdChoiceField(
        queryset=None,
        label=gettext_lazy("农户"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": gettext_lazy("请至少选择一户"),
            "invalid_choice": gettext_lazy("所选农户不在您的范围内"),
        },
    )

    # The rendered form carries a fresh key: a double submit records once (see
    # ledger.submissions). A client posting without one gets no such protection.
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=40, required=False)

    def __init__(self, *args, households, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["households"].queryset = households


class ReviewFilterForm(forms.Form):
    """The review queue's filters (GET). Bad values are ignored, not fatal."""

    group = forms.TypedChoiceField(
        label=gettext_lazy("村民小组"), required=False, coerce=int, empty_value=None
    )
    component = forms.ChoiceField(label=gettext_lazy("积分类别"), required=False)
    category = forms.ChoiceField(label=gettext_lazy("分类"), required=False)
    recorder = forms.TypedChoiceField(
        label=gettext_lazy("记录人"), required=False, coerce=int, empty_value=None
    )
    date_from = forms.DateField(
        label=gettext_lazy("发生日期从"),
        required=False,
        widget=DateInput(),
    )
    date_to = forms.DateField(
        label=gettext_lazy("至"),
        required=False,
        widget=DateInput(),
    )
    reversals = forms.BooleanField(label=gettext_lazy("只看冲正"), required=False)

    def __init__(self, *args, groups, categories, recorders, **kwargs):
        super().__init__(*args, **kwargs)
        everything = ("", _("全部"))
        self.fields["group"].choices = [
            everything,
            *((g.pk, f"{g.parent.name} {g.name}" if g.parent_id else g.name) for g in groups),
        ]
        self.fields["component"].choices = [everything, *COMPONENT_LABELS.items()]
        self.fields["category"].choices = [everything, *categories]
        self.fields["recorder"].choices = [everything, *((u.pk, str(u)) for u in recorders)]


class BulkReviewForm(forms.Form):
    entry = forms.ModelMultipleChoiceField(
        queryset=None,
        error_messages={"required": gettext_lazy("请至少选择一条记录")},
    )
    action = forms.ChoiceField(
        choices=[("approve", gettext_lazy("通过")), ("reject", gettext_lazy("驳回"))]
    )
    reason = LineField(
        label=gettext_lazy("理由（驳回必填）"),
        subject=gettext_lazy("理由"),
        required=False,
        max_length=300,
    )

    def __init__(self, *args, entries, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["entry"].queryset = entries

    def clean(self):
        data = super().clean()
        if data.get("action") == "reject" and not (data.get("reason") or "").strip():
            self.add_error("reason", _("驳回必须填写理由"))
        return data


class DecideForm(forms.Form):
    action = forms.ChoiceField(
        choices=[("approve", gettext_lazy("通过")), ("reject", gettext_lazy("驳回"))]
    )
    reason = LineField(
        label=gettext_lazy("理由（驳回必填）"),
        subject=gettext_lazy("理由"),
        required=False,
        max_length=300,
    )

    def clean(self):
        data = super().clean()
        if data.get("action") == "reject" and not (data.get("reason") or "").strip():
            self.add_error("reason", _("驳回必须填写理由"))
        return data


class ReverseForm(forms.Form):
    reason = LineField(
        label=gettext_lazy("冲正原因"),
        max_length=300,
        error_messages={"required": gettext_lazy("冲正必须填写原因")},
    )
