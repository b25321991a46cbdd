"""A villager's own data (PIPL Art. 44–45): see everything held about their household
and its members, and take a copy as JSON or PDF. Only the user's own households
(`Scope.own_household_ids`: a villager's household, or a staff member's own); any
other household is a 404, whatever the role."""

from django.conf import settings
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render

from sanxin.accounts.decorators import requires
from sanxin.audit.services import audit
from sanxin.households.choices import ConsentPurpose
from sanxin.households.models import Household
from sanxin.privacy import mydata, services
from sanxin.privacy.models import CorrectionRequest


def own_household(request, pk: int) -> Household:
    if pk not in request.scope.own_household_ids():
        raise Http404
    return get_object_or_404(Household.objects.select_related("village"), pk=pk)


@requires()
def my_data(request):
    ids = request.scope.own_household_ids()
    households = Household.objects.filter(pk__in=ids).select_related("village").order_by("pk")
    return render(request, "privacy/mydata_index.html", {"households": households})


def _consents(household: Household) -> list[tuple[str, str, bool | None]]:
    given = services.consent_in_force(household)
    return [(code, label, given.get(code)) for code, label in ConsentPurpose.choices]


@requires()
def my_data_household(request, pk: int):
    household = own_household(request, pk)
    return render(
        request,
        "privacy/mydata.html",
        {
            "household": household,
            "sections": mydata.collect(household),
            "requests": CorrectionRequest.objects.filter(household=household)
            .select_related("person")
            .order_by("-filed_at")[:50],
            "consents": _consents(household),
        },
    )


def _download(request, household: Household, fmt: str) -> None:
    audit(
        actor=request.user,
        action="privacy.copy",
        obj=household,
        region_path=household.villager_group.path if household.villager_group_id else "",
        after={"format": fmt},
    )


@requires()
def my_data_json(request, pk: int):
    household = own_household(request, pk)
    _download(request, household, "json")
    body = mydata.as_json(household, mydata.collect(household))
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="household-{household.pk}.json"'
    return response


@requires()
def my_data_pdf(request, pk: int):
    household = own_household(request, pk)
    _download(request, household, "pdf")
    body = mydata.as_pdf(household, mydata.collect(household))
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="household-{household.pk}.pdf"'
    return response


def privacy(request):
    """What is held, why, who sees it and for how long: public, no login needed."""
    return render(
        request,
        "privacy/privacy.html",
        {
            "audit_days": settings.SANXIN_AUDIT_RETENTION_DAYS,
            "departed_years": settings.SANXIN_DEPARTED_RETENTION_YEARS,
        },
    )
