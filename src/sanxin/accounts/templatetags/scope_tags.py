"""Templates ask the scope which fields to show: `{% fields_for household as shown %}`
then `{% if "phone" in shown %}` (the names are `accounts.scope.Field` values)."""

from django import template

from sanxin.accounts.scope import scope_for

register = template.Library()


@register.simple_tag(takes_context=True)
def fields_for(context, household) -> frozenset[str]:
    scope = context.get("scope") or scope_for(context["request"].user)
    return scope.fields(household)


@register.simple_tag(takes_context=True)
def sees_anywhere(context, field: str) -> bool:
    """For a column header: whether any household could show this user `field`."""
    from sanxin.accounts.scope import Field

    scope = context.get("scope") or scope_for(context["request"].user)
    return scope.sees_anywhere(Field(field))
