"""Forms for the scheme screens: import a file, make a new version from an existing
one, and a village's own items. The forms check what they can see (types, dates,
version labels) and run the pure scheme validation, so every problem is listed by
field path before anything is saved; the services check again."""

from __future__ import annotations

import hashlib
import re
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from pathlib import PurePath
from types import SimpleNamespace
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sanxin.lib.forms import DateInput
from sanxin.lib.text import LineField
from sanxin.regions.models import Region
from sanxin.rules.models import SchemeVersion
from sanxin.rules.scheme import (
    APPLIES_TO,
    APPLIES_TO_LABELS,
    COMPONENT_LABELS,
    COMPONENTS,
    PARTY_TIERS,
    RATED_GRADES,
    TIERS,
    Item,
    Scheme,
    SchemeError,
)
from sanxin.rules.scheme_reader import adopt_for_village, item_from_dict, validate_scheme

MAX_UPLOAD_BYTES = 2 * 1024 * 1024
NEW_ITEM_ROWS = 5
OWN_CODE_PREFIX = "own."
# New deductions follow the default scheme's conventions (docs/scoring.md): a repeat
# within the validity period counts double; up to 40 points stay 1 year, more 2 years.
DEDUCTION_REPEAT = Decimal(2)
_ITEM_PATH = re.compile(r"^items\[(\d+)\]")


def own_item_code(name: str) -> str:
    """The code of a village's own item, from its name: the same name gets the same
    code in every version (so entries keep their item), and users never see it."""
    return OWN_CODE_PREFIX + hashlib.sha1(name.encode()).hexdigest()[:10]


def _points_field(label, *, required: bool = True) -> forms.DecimalField:
    return forms.DecimalField(label=label, required=required, max_digits=8, decimal_places=2)


def _applies_choices() -> list[tuple[str, str]]:
    return [(a, APPLIES_TO_LABELS[a]) for a in APPLIES_TO]


def default_validity_days(points: Decimal) -> int | None:
    """Bonuses count in the year they happen; deductions 1 year (≤ 40 points) or 2."""
    if points >= 0:
        return None
    return 365 if abs(points) <= 40 else 730


# --------------------------------------------------------------------------- import


class SchemeImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("方案文件（.json）"))
    effective_from = forms.DateField(label=gettext_lazy("生效日期"), widget=DateInput())

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("文件超过 2 MB，不像是评分方案文件。"))
        if PurePath(upload.name).suffix.lower() != ".json":
            raise forms.ValidationError(_("只能上传从本系统导出的 .json 方案文件。"))
        return upload


# ------------------------------------------------------------------ new version


class SchemeEditForm(forms.Form):
    """Every item's points, annual cap, validity, repeat multiplier and evidence flag,
    every tier's thresholds, and a few rows for new items. `new_scheme` is the result."""

    version = LineField(label=gettext_lazy("新版本号"), max_length=40)
    name = LineField(label=gettext_lazy("方案名称"), max_length=100)
    effective_from = forms.DateField(label=gettext_lazy("生效日期"), widget=DateInput())

    def __init__(self, *args, base: SchemeVersion, today: date | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.base = base
        scheme = self.scheme = base.scheme
        today = today or timezone.localdate()
        self.fields["name"].initial = scheme.name
        self.fields["effective_from"].initial = max(today, base.effective_from + timedelta(days=1))
        self.new_scheme: Scheme | None = None
        self.scheme_errors: list[str] = []

        self.item_rows = []
        for n, item in enumerate(scheme.items):
            p = f"i{n}_"
            self.fields[p + "points"] = _points_field(_("分值"))
            self.fields[p + "points"].initial = item.points
            self.fields[p + "cap"] = _points_field(_("年度上限"), required=False)
            self.fields[p + "cap"].initial = item.annual_cap
            self.fields[p + "days"] = forms.IntegerField(
                label=_("有效天数"), required=False, initial=item.validity_days
            )
            self.fields[p + "repeat"] = forms.DecimalField(
                label=_("重复倍数"), max_digits=4, decimal_places=2, initial=item.repeat_multiplier
            )
            self.fields[p + "evidence"] = forms.BooleanField(
                label=_("需佐证"), required=False, initial=item.evidence_required
            )
            self.item_rows.append(SimpleNamespace(index=n, item=item, prefix=p, errors=[]))

        self.tier_rows = []
        for tier in scheme.tiers:
            cells = []
            for grade in RATED_GRADES:
                name = f"t_{tier.code}_{grade}"
                self.fields[name] = forms.DecimalField(
                    label=f"{tier.name} {grade}",
                    max_digits=5,
                    decimal_places=2,
                    min_value=0,
                    max_value=100,
                    initial=tier.thresholds.get(grade),
                )
                cells.append(SimpleNamespace(grade=grade, name=name))
            self.tier_rows.append(SimpleNamespace(tier=tier, cells=cells))

        categories = [("", "—")] + [(c.code, c.name) for c in scheme.categories]
        components = [(c, COMPONENT_LABELS[c]) for c in COMPONENTS]
        self.new_rows = []
        for k in range(NEW_ITEM_ROWS):
            p = f"n{k}_"
            self.fields[p + "code"] = LineField(
                label=_("编码"),
                max_length=60,
                required=False,
                subject=_("新增第 %(n)d 项的编码") % {"n": k + 1},
            )
            self.fields[p + "name"] = LineField(
                label=_("名称"),
                max_length=100,
                required=False,
                subject=_("新增第 %(n)d 项的名称") % {"n": k + 1},
            )
            self.fields[p + "category"] = forms.ChoiceField(
                label=_("分类"), choices=categories, required=False
            )
            self.fields[p + "component"] = forms.ChoiceField(
                label=_("计入"), choices=components, initial="base", required=False
            )
            self.fields[p + "points"] = _points_field(_("分值"), required=False)
            self.fields[p + "applies"] = forms.ChoiceField(
                label=_("对象"), choices=_applies_choices(), initial="household", required=False
            )
            self.fields[p + "cap"] = _points_field(_("年度上限"), required=False)
            self.fields[p + "days"] = forms.IntegerField(label=_("有效天数"), required=False)
            self.fields[p + "evidence"] = forms.BooleanField(label=_("需佐证"), required=False)
            self.new_rows.append(SimpleNamespace(index=k, prefix=p, errors=[]))

    # Bound fields for the template: row.f.points is the bound "points" field.
    def _bind(self) -> None:
        for row in self.item_rows + self.new_rows:
            row.f = SimpleNamespace(
                **{
                    name[len(row.prefix) :]: self[name]
                    for name in self.fields
                    if name.startswith(row.prefix)
                }
            )
        for trow in self.tier_rows:
            for cell in trow.cells:
                cell.field = self[cell.name]

    def sections(self):
        """(category, rows) in the scheme's category order, for the template."""
        self._bind()
        by_category: dict[str, list] = {}
        for row in self.item_rows:
            by_category.setdefault(row.item.category, []).append(row)
        return [(c, by_category[c.code]) for c in self.scheme.categories if c.code in by_category]

    def bound_new_rows(self):
        self._bind()
        return self.new_rows

    def bound_tier_rows(self):
        self._bind()
        return self.tier_rows

    def clean_version(self):
        version = self.cleaned_data["version"].strip()
        exists = SchemeVersion.objects.filter(
            district_id=self.base.district_id,
            village__isnull=True,
            code=self.scheme.code,
            version=version,
        ).exists()
        if exists:
            raise forms.ValidationError(
                _("版本号“%(v)s”已发布过，请使用新的版本号") % {"v": version}
            )
        return version

    def clean_effective_from(self):
        effective = self.cleaned_data["effective_from"]
        if effective <= self.base.effective_from:
            raise forms.ValidationError(
                _("生效日期应晚于所依据版本的生效日期（%(d)s）")
                % {"d": f"{self.base.effective_from:%Y-%m-%d}"}
            )
        return effective

    def _new_item(self, row) -> Item | None:
        cd = self.cleaned_data
        p = row.prefix
        code = (cd.get(p + "code") or "").strip()
        name = (cd.get(p + "name") or "").strip()
        points = cd.get(p + "points")
        if not code and not name and points is None:
            return None
        missing = False
        for field_name, value in (
            ("code", code),
            ("name", name),
            ("category", cd.get(p + "category")),
            ("points", points),
        ):
            if not value and value != 0:
                self.add_error(p + field_name, _("新增积分项需填写此项"))
                missing = True
        if missing or points is None:
            return None
        component = cd.get(p + "component") or "base"
        return Item(
            code=code,
            name=name,
            category=cd[p + "category"],
            component=component,
            points=points,
            applies_to=cd.get(p + "applies") or "household",
            annual_cap=cd.get(p + "cap"),
            evidence_required=cd.get(p + "evidence", False),
            validity_days=cd.get(p + "days") or default_validity_days(points),
            repeat_multiplier=DEDUCTION_REPEAT if points < 0 else Decimal(1),
            tiers=PARTY_TIERS if component == "vanguard" else TIERS,
        )

    def clean(self):
        cleaned = super().clean()
        items = []
        for row in self.item_rows:
            p = row.prefix
            if cleaned.get(p + "points") is None or cleaned.get(p + "repeat") is None:
                continue  # a field error is already shown on the row
            items.append(
                replace(
                    row.item,
                    points=cleaned[p + "points"],
                    annual_cap=cleaned.get(p + "cap"),
                    validity_days=cleaned.get(p + "days"),
                    repeat_multiplier=cleaned[p + "repeat"],
                    evidence_required=cleaned.get(p + "evidence", False),
                )
            )
        new_pairs = [(row, self._new_item(row)) for row in self.new_rows]
        new_pairs = [(row, item) for row, item in new_pairs if item is not None]
        new_items = [item for _row, item in new_pairs]
        tiers = []
        for trow in self.tier_rows:
            values = {c.grade: cleaned.get(c.name) for c in trow.cells}
            tiers.append(replace(trow.tier, thresholds=values))
        if set(self.errors) - {"version", "name", "effective_from"}:
            return cleaned  # items or thresholds could not be read: fix those first
        # Check the rules even when only the label or date is wrong, so every problem shows at once.
        scheme = replace(
            self.scheme,
            version=cleaned.get("version") or self.scheme.version,
            name=(cleaned.get("name") or self.scheme.name).strip(),
            effective_from=cleaned.get("effective_from") or self.base.effective_from,
            items=tuple(items) + tuple(new_items),
            tiers=tuple(tiers),
        )
        errors = validate_scheme(scheme)
        if errors:
            self.scheme_errors = errors
            for message in errors:
                match = _ITEM_PATH.match(message)
                if match:
                    n = int(match.group(1))
                    if n < len(self.item_rows):
                        self.item_rows[n].errors.append(message)
                    elif n - len(self.item_rows) < len(new_pairs):
                        new_pairs[n - len(self.item_rows)][0].errors.append(message)
            raise forms.ValidationError(errors)
        if not self.errors:
            self.new_scheme = scheme
        return cleaned

    def changed_count(self) -> tuple[int, int]:
        """(changed items, new items) of `new_scheme` against the base."""
        if self.new_scheme is None:
            return 0, 0
        old = {i.code: i for i in self.scheme.items}
        changed = sum(1 for i in self.new_scheme.items if i.code in old and old[i.code] != i)
        added = sum(1 for i in self.new_scheme.items if i.code not in old)
        return changed, added


# -------------------------------------------------------------- village own items


class VillageItemsForm(forms.Form):
    """Up to the district's limit of own items for one village, on one district version."""

    version = LineField(label=gettext_lazy("本村版本号"), max_length=40)
    effective_from = forms.DateField(label=gettext_lazy("生效日期"), widget=DateInput())

    def __init__(
        self,
        *args,
        base: SchemeVersion,
        village: Region,
        current: tuple[Item, ...] = (),
        today: date | None = None,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.base = base
        self.village = village
        scheme = self.scheme = base.scheme
        today = today or timezone.localdate()
        self.fields["effective_from"].initial = max(today, base.effective_from)
        self.own_items: list[dict[str, Any]] = []
        self.scheme_errors: list[str] = []
        category_codes = {c.code for c in scheme.categories}
        current = tuple(i for i in current if i.category in category_codes)
        categories = [("", "—")] + [(c.code, c.name) for c in scheme.categories]
        # A committee head types only a name; an item keeps its code while its name
        # stays the same (entries recorded under it keep pointing at it).
        self.code_by_name = {i.name: i.code for i in current}
        self.rows = []
        for k in range(scheme.village_limits.max_items):
            p = f"o{k}_"
            item = current[k] if k < len(current) else None
            self.fields[p + "name"] = LineField(
                label=_("名称"),
                max_length=100,
                required=False,
                initial=item.name if item else "",
                subject=_("本村第 %(n)d 项的名称") % {"n": k + 1},
            )
            self.fields[p + "category"] = forms.ChoiceField(
                label=_("分类"),
                choices=categories,
                required=False,
                initial=item.category if item else "",
            )
            self.fields[p + "points"] = _points_field(_("分值"), required=False)
            self.fields[p + "points"].initial = item.points if item else None
            self.fields[p + "applies"] = forms.ChoiceField(
                label=_("对象"),
                choices=_applies_choices(),
                required=False,
                initial=item.applies_to if item else "household",
            )
            self.fields[p + "cap"] = _points_field(_("年度上限"), required=False)
            self.fields[p + "cap"].initial = item.annual_cap if item else None
            self.fields[p + "evidence"] = forms.BooleanField(
                label=_("需佐证"), required=False, initial=item.evidence_required if item else False
            )
            self.rows.append(SimpleNamespace(index=k, prefix=p))

    def bound_rows(self):
        for row in self.rows:
            row.f = SimpleNamespace(
                **{
                    name[len(row.prefix) :]: self[name]
                    for name in self.fields
                    if name.startswith(row.prefix)
                }
            )
        return self.rows

    def clean_version(self):
        version = self.cleaned_data["version"].strip()
        if SchemeVersion.objects.filter(
            village=self.village, code=self.scheme.code, version=version
        ).exists():
            raise forms.ValidationError(_("本村已有版本“%(v)s”，请使用新的版本号") % {"v": version})
        return version

    def clean_effective_from(self):
        effective = self.cleaned_data["effective_from"]
        if effective < self.base.effective_from:
            raise forms.ValidationError(
                _("生效日期不能早于区级方案版本的生效日期（%(d)s）")
                % {"d": f"{self.base.effective_from:%Y-%m-%d}"}
            )
        return effective

    def clean(self):
        cleaned = super().clean()
        own: list[dict[str, Any]] = []
        seen_names: dict[str, int] = {}
        district_names = {i.name for i in self.scheme.items if not i.own}
        for row in self.rows:
            p = row.prefix
            name = (cleaned.get(p + "name") or "").strip()
            points = cleaned.get(p + "points")
            if not name and points is None:
                continue
            missing = False
            for field_name, value in (
                ("name", name),
                ("category", cleaned.get(p + "category")),
                ("points", points),
            ):
                if not value and value != 0:
                    self.add_error(p + field_name, _("自设项需填写此项"))
                    missing = True
            if name in seen_names:
                self.add_error(
                    p + "name",
                    _("与本村第 %(n)d 项同名，请换一个名称") % {"n": seen_names[name] + 1},
                )
                missing = True
            elif name in district_names:
                self.add_error(p + "name", _("区级方案已有同名积分项，请换一个名称"))
                missing = True
            seen_names.setdefault(name, row.index)
            if missing:
                continue
            own.append(
                {
                    "code": self.code_by_name.get(name) or own_item_code(name),
                    "name": name,
                    "category": cleaned[p + "category"],
                    "component": "base",
                    "points": points,
                    "applies_to": cleaned.get(p + "applies") or "household",
                    "annual_cap": cleaned.get(p + "cap"),
                    "evidence_required": cleaned.get(p + "evidence", False),
                    "validity_days": default_validity_days(points),
                    "repeat_multiplier": DEDUCTION_REPEAT if points < 0 else Decimal(1),
                    "tiers": list(TIERS),
                    "source": _("%(village)s村级自设") % {"village": self.village.name},
                }
            )
        if self.errors:
            return cleaned
        try:
            items = [item_from_dict(d, f"village_items[{n}]") for n, d in enumerate(own)]
            adopt_for_village(self.scheme, items, version=cleaned["version"])
        except SchemeError as exc:
            self.scheme_errors = exc.errors
            raise forms.ValidationError(exc.errors) from None
        self.own_items = own
        return cleaned
