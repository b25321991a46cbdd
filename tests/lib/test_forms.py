"""A service's ValidationError lands next to the field it names, or on the whole form."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from sanxin.lib.forms import apply_service_errors


class _Form(forms.Form):
    note = forms.CharField(required=False)
    answer_size = forms.CharField(required=False)


def _form() -> _Form:
    form = _Form({})
    assert form.is_valid()
    return form


def test_a_named_field_gets_its_error_and_an_unknown_name_goes_to_the_form():
    form = _form()
    apply_service_errors(form, ValidationError({"note": "说明原因", "period": "已有评定"}))
    assert form.errors["note"] == ["说明原因"]
    assert form.non_field_errors() == ["已有评定"]


def test_an_error_without_a_field_goes_to_the_form():
    form = _form()
    apply_service_errors(form, ValidationError(["无权操作", "请刷新"]))
    assert form.non_field_errors() == ["无权操作", "请刷新"]
    assert "note" not in form.errors


def test_a_service_key_maps_to_the_forms_field_name():
    form = _form()
    apply_service_errors(
        form, ValidationError({"size": "请选择“家庭人口”"}), fields={"size": "answer_size"}
    )
    assert form.errors["answer_size"] == ["请选择“家庭人口”"]
    assert not form.non_field_errors()


def test_the_date_input_shows_its_value_as_iso_whatever_the_locale(settings):
    """A browser's date widget drops a value such as 2026/12/01; the value is ISO."""
    from datetime import date

    from django.utils import translation

    from sanxin.lib.forms import DateInput

    class _Dated(forms.Form):
        day = forms.DateField(widget=DateInput(attrs={"max": "2026-12-31"}))

    settings.USE_L10N = True
    with translation.override("zh-hans"):
        html = str(_Dated(initial={"day": date(2026, 12, 1)})["day"])
    assert 'type="date"' in html and 'value="2026-12-01"' in html and 'max="2026-12-31"' in html


def test_every_date_field_of_the_project_uses_the_iso_date_input():
    import sanxin.credit.forms
    import sanxin.households.forms
    import sanxin.ledger.forms
    import sanxin.oversight.views.audit
    import sanxin.ratings.views.vetoes
    import sanxin.rules.forms
    from sanxin.lib.forms import DateInput

    modules = [
        sanxin.credit.forms,
        sanxin.households.forms,
        sanxin.ledger.forms,
        sanxin.oversight.views.audit,
        sanxin.ratings.views.vetoes,
        sanxin.rules.forms,
    ]
    found = 0
    for module in modules:
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, forms.BaseForm):
                for name, field in value.base_fields.items():
                    if isinstance(field, forms.DateField):
                        found += 1
                        assert isinstance(field.widget, DateInput), f"{value.__name__}.{name}"
    assert found >= 6
