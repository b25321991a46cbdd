"""households.0002 works from the ciphertext: existing rows get the short masked
form and the keyed index of their last four characters."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured

from sanxin.households.models import Person
from sanxin.households.selectors import household_search
from sanxin.lib import crypto, idcard

migration = importlib.import_module("sanxin.households.migrations.0002_id_privacy")


def test_forward_rewrites_the_mask_and_fills_the_index(world):
    # Rows as 0001 left them: the old mask (last four shown) and no index.
    for p in Person.objects.all():
        value = p.reveal_id_number()
        Person.objects.filter(pk=p.pk).update(
            id_number_masked=value[:6] + "*" * 8 + value[14:], id_last_digits_index=""
        )
    migration.forward(apps, None)
    everyone = world.household.__class__.objects.all()
    for p in Person.objects.all():
        value = p.reveal_id_number()
        assert p.id_number_masked == idcard.mask(value)
        assert p.id_last_digits_index == crypto.blind_index(value[-4:], crypto.LAST_DIGITS)
        assert p.household in household_search(everyone, value[-4:], by_id_in=everyone)


def test_forward_without_the_data_key_stops_with_a_clear_message(world, settings):
    settings.DATA_KEYS = ["not the key the numbers were encrypted with"]
    with pytest.raises(ImproperlyConfigured, match="SANXIN_DATA_KEY"):
        migration.forward(apps, None)
