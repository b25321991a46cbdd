from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from sanxin.accounts.choices import Department, Role
from sanxin.accounts.models import related_rows


class LoginForm(AuthenticationForm):
    username = forms.CharField(
        label=_("用户名或手机号"),
        max_length=150,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )
    password = forms.CharField(
        label=_("密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    error_messages = {
        "invalid_login": _("用户名（或手机号）或密码不正确。"),
        "inactive": _("该账号已停用。"),
    }


PHONE_VALIDATOR = RegexValidator(r"^1\d{10}$", _("手机号应为 11 位数字，以 1 开头"))


class RegionChoiceField(forms.ModelChoiceField):
    """Regions labelled with their whole chain below the district (镇 / 村 / 小组)."""

    def __init__(self, *args, names: dict[int, str], **kwargs):
        self.names = names
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj) -> str:
        chain = [self.names.get(i, "") for i in obj.ancestor_ids]
        return " / ".join(name for name in chain if name)


def region_names(regions) -> dict[int, str]:
    return {r.pk: r.name for r in regions}


class UserCreateForm(forms.Form):
    username = forms.CharField(
        label=_("用户名（登录用）"),
        max_length=150,
        validators=[UnicodeUsernameValidator()],
        help_text=_("字母、数字或 @ . + - _"),
    )
    display_name = forms.CharField(label=_("姓名"), max_length=30)
    phone = forms.CharField(
        label=_("手机号（可用来登录，可不填）"),
        max_length=11,
        required=False,
        validators=[PHONE_VALIDATOR],
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    region = RegionChoiceField(queryset=None, names={}, label=_("所属辖区"))
    password = forms.CharField(
        label=_("初始密码（不填则自动生成，只显示一次）"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    person_village = RegionChoiceField(
        queryset=None, names={}, label=_("关联本辖区登记的村民：村（可不填）"), required=False
    )
    person_household = forms.CharField(label=_("户号"), max_length=20, required=False)
    person_name = forms.CharField(label=_("姓名"), max_length=30, required=False)
    # A double submit creates one user (accounts.services.user_created_by_submission).
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=40, required=False)

    def __init__(self, *args, regions, villages, names, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions
        self.fields["region"].names = names
        self.fields["person_village"].queryset = villages
        self.fields["person_village"].names = names

    def clean(self):
        data = super().clean()
        village = data.get("person_village")
        number = (data.get("person_household") or "").strip()
        name = (data.get("person_name") or "").strip()
        data["person"] = None
        if village is None and not number and not name:
            return data
        if village is None or not number or not name:
            raise forms.ValidationError(_("关联村民时，请同时填写村、户号和姓名"))
        people = list(
            related_rows("person").filter(
                household__village=village, household__number=number, name=name, active=True
            )[:2]
        )
        if len(people) != 1:
            raise forms.ValidationError(
                _("%(village)s %(number)s号户没有名叫“%(name)s”的在册人员")
                % {"village": village.name, "number": number, "name": name}
            )
        data["person"] = people[0]
        return data


class RoleAssignForm(forms.Form):
    role = forms.ChoiceField(label=_("角色"))
    region = RegionChoiceField(
        queryset=None, names={}, label=_("辖区（村民角色不填）"), required=False
    )
    household_village = RegionChoiceField(
        queryset=None, names={}, label=_("村民角色：所在村"), required=False
    )
    household_number = forms.CharField(label=_("村民角色：户号"), max_length=20, required=False)
    # Shown for the 职能部门 role only (static/sanxin/role-department.js); required for it.
    department = forms.ChoiceField(
        label=_("职能部门：所属部门"),
        required=False,
        choices=[("", _("请选择部门")), *Department.choices],
        widget=forms.Select(attrs={"data-for-role": Role.DEPARTMENT_VIEWER.value}),
    )

    def __init__(self, *args, roles, regions, villages, names, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [(r, Role(r).label) for r in roles]
        self.fields["role"].widget.attrs["data-role-select"] = ""
        self.fields["region"].queryset = regions
        self.fields["region"].names = names
        self.fields["household_village"].queryset = villages
        self.fields["household_village"].names = names

    def clean(self):
        data = super().clean()
        data["household"] = None
        if data.get("role") == Role.DEPARTMENT_VIEWER:
            if not data.get("department"):
                self.add_error("department", _("职能部门角色请选择所属部门（如区委组织部）"))
        else:
            data["department"] = ""
        if data.get("role") != Role.VILLAGER:
            if data.get("region") is None and "region" not in self.errors:
                self.add_error("region", _("请选择辖区"))
            return data
        village = data.get("household_village")
        number = (data.get("household_number") or "").strip()
        if village is None or not number:
            raise forms.ValidationError(_("村民角色请选择所在村并填写户号"))
        household = related_rows("household").filter(village=village, number=number).first()
        if household is None:
            raise forms.ValidationError(
                _("%(village)s没有 %(number)s 号户") % {"village": village.name, "number": number}
            )
        data["household"] = household
        data["region"] = None
        return data


class PasswordResetForm(forms.Form):
    password = forms.CharField(
        label=_("新密码（不填则自动生成，只显示一次）"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
