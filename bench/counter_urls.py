"""The counter benchmark's URLconf: the product's URLs, plus two views that exist only
here, on the same server, behind the same middleware and the same logged-in session:

* `bench/bare/`: a bare JSON view that does no work of its own — the yardstick the
  counter's redemptions are measured against;
* `bench/redeem/`: a minimal JSON view calling `rewards.services.redemptions.
  redemption_create` directly, for runs without the counter's pages
  (`--via service`); the default drives the counter's own form."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.urls import path
from django.views.decorators.http import require_POST

from sanxin.urls import handler403, handler404, handler500  # noqa: F401
from sanxin.urls import urlpatterns as product_urlpatterns


@require_POST
@login_required
def bare(request):
    """A logged-in POST answered with a little JSON, nothing else."""
    return JsonResponse({"ok": True, "user": request.user.pk})


@require_POST
@login_required
def redeem(request):
    """One product for one household through the service: 200 with the receipt, 409
    with the refusal."""
    from sanxin.households.models import Household, Person
    from sanxin.rewards.choices import RedemptionSource
    from sanxin.rewards.models import Product
    from sanxin.rewards.services import redemptions

    household = Household.objects.select_related("village", "villager_group").get(
        pk=request.POST["household"]
    )
    product = Product.objects.select_related("shop__region").get(pk=request.POST["product"])
    try:
        redemption = redemptions.redemption_create(
            actor=request.user,
            shop=product.shop,
            household=household,
            lines=[redemptions.Line(product=product, quantity=int(request.POST["qty"]))],
            collected_by=Person.objects.get(pk=request.POST["person"], household=household),
            idempotency_key=request.POST["idempotency_key"],
            source=RedemptionSource.COUNTER,
        )
    except ValidationError as exc:
        return JsonResponse({"refused": exc.messages}, status=409)
    return JsonResponse({"pk": redemption.pk, "number": redemption.number})


urlpatterns = [
    path("bench/bare/", bare, name="bench_bare"),
    path("bench/redeem/", redeem, name="bench_redeem"),
    *product_urlpatterns,
]
