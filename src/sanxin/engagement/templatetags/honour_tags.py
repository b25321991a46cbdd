"""The honour badges (🏅 2026 美丽庭院) a household's pages show: `{% load honour_tags %}
{% honour_badges household %}` (one query), each with its certificate's link."""

from __future__ import annotations

from django import template

from sanxin.engagement.selectors import honours_of_household

register = template.Library()


@register.inclusion_tag("engagement/honours/_badges.html")
def honour_badges(household):
    return {"honours": honours_of_household(household.pk)}
