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
