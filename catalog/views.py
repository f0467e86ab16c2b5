"""The public catalogue: browse and search models, read one, check its availability and rent.

No login: anyone may look. The list runs a fixed number of queries however many models there
are; the model page checks availability through the selectors and prices the period with the pure
rent rule, so the figures match what a reservation would quote.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.db.models import Prefetch, Q, TextField
from django.db.models.functions import Cast
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_GET

from rental.core.errors import ApplicationError
from rental.core.i18n import pick
from rental.core.money import cny, format_cny

from . import search, selectors, specs
from .forms import AvailabilityForm, CatalogueFilterForm
from .models import Brand, Category, EquipmentModel, ModelPhoto
from .pricing import RentBreakdown, rent_breakdown

PAGE_SIZE = 24


@dataclass(frozen=True)
class Availability:
    """The answer to "can I have N of these from … until …, and for how much?"."""

    starts_at: datetime
    ends_at: datetime
    quantity: int
    free: int
    rent: RentBreakdown
    next_free_at: datetime | None

    @property
    def enough(self) -> bool:
        return self.free >= self.quantity

    @property
    def total(self) -> Decimal:
        return cny(self.rent.total * self.quantity)

    @property
    def lines(self) -> list[tuple[str, str]]:
        """The breakdown as (label, amount) in the active language, for one unit."""
        return [(line.label, format_cny(line.amount)) for line in self.rent.lines]

    @property
    def unit_total_text(self) -> str:
        return format_cny(self.rent.total)

    @property
    def total_text(self) -> str:
        return format_cny(self.total)


def _photos() -> Prefetch:
    return Prefetch("photos", queryset=ModelPhoto.objects.order_by("position", "id"))


def from_price_per_day(model: EquipmentModel) -> Decimal:
    """The lowest price a day costs on the card: a month or week may beat the day rate."""
    return cny(min(model.day_rate, model.week_rate / 7, model.month_rate / 30))


@require_GET
def model_list(request: HttpRequest) -> HttpResponse:
    """Models on offer, filtered by category, brand and a search over names and specs."""
    filters = CatalogueFilterForm(request.GET)
    filters.is_valid()  # bad values are dropped, never an error page
    data = filters.cleaned_data
    query = data.get("q", "").strip()
    typed = request.GET.get("q", "")
    query_error = ""
    if search.too_long(typed):
        query_error = gettext(
            "Your search is too long: use at most %(n)s characters, e.g. a model or a category."
        ) % {"n": search.MAX_QUERY_LENGTH}
        query = ""

    categories = list(Category.objects.all())
    brands = list(Brand.objects.filter(models__is_active=True).distinct().order_by("name"))
    category = next((c for c in categories if c.slug == data.get("category")), None)
    brand = next((b for b in brands if b.slug == data.get("brand")), None)

    models = (
        EquipmentModel.objects.filter(is_active=True)
        .select_related("category", "brand")
        .prefetch_related(_photos())
    )
    if category:
        models = models.filter(category=category)
    if brand:
        models = models.filter(brand=brand)
    if query:
        models = models.alias(specs_text=Cast("specs", TextField()))
        # Every typed word must match; each may match through any of its alternatives.
        for alternatives in search.query_words(query):
            matches = Q()
            for word in alternatives:
                matches |= (
                    Q(name__icontains=word)
                    | Q(brand__name__icontains=word)
                    | Q(brand__name_zh__icontains=word)
                    | Q(category__name_zh__icontains=word)
                    | Q(category__name_en__icontains=word)
                    | Q(category__slug__icontains=word)
                    | Q(summary_zh__icontains=word)
                    | Q(summary_en__icontains=word)
                    | Q(specs_text__icontains=word)
                )
            models = models.filter(matches)
    if query_error:
        models = models.none()
    page = Paginator(models, PAGE_SIZE).get_page(request.GET.get("page"))
    cards = [
        {
            "model": model,
            "photo": next(iter(model.photos.all()), None),
            "spec_line": " · ".join(row.value for row in specs.spec_rows(model.specs)[:3]),
            "from_price": format_cny(from_price_per_day(model)),
        }
        for model in page.object_list
    ]
    return render(
        request,
        "catalog/model_list.html",
        {
            "cards": cards,
            "page": page,
            "categories": categories,
            "brands": brands,
            "category": category,
            "brand": brand,
            "query": query,
            "query_error": query_error,
            "category_chips": _chips(
                request, "category", categories, category, gettext("All categories")
            ),
            "brand_chips": _chips(request, "brand", brands, brand, gettext("All brands")),
            "page_links": _page_links(request, page),
        },
    )


@dataclass(frozen=True)
class Chip:
    label: str
    url: str
    active: bool


def _chips(request: HttpRequest, key: str, options, current, all_label: str) -> list[Chip]:
    """Filter chips for one parameter; each link keeps the other filters and drops the page."""

    def url(value: str | None) -> str:
        params = request.GET.copy()
        params.pop("page", None)
        params.pop(key, None)
        if value:
            params[key] = value
        encoded = params.urlencode()
        return f"?{encoded}" if encoded else "?"

    return [Chip(all_label, url(None), current is None)] + [
        Chip(str(option), url(option.slug), option == current) for option in options
    ]


def _page_links(request: HttpRequest, page) -> dict[str, str]:
    links = {}
    for name, wanted in (("previous", page.has_previous), ("next", page.has_next)):
        if wanted():
            params = request.GET.copy()
            params["page"] = getattr(page, f"{name}_page_number")()
            links[name] = f"?{params.urlencode()}"
    return links


@require_GET
def model_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """One model: photos, specs, accessories, rate card and an availability check (GET form)."""
    model = get_object_or_404(
        EquipmentModel.objects.select_related("category", "brand").prefetch_related(_photos()),
        slug=slug,
        is_active=True,
    )
    checked = any(key in request.GET for key in ("start", "end", "quantity"))
    now = timezone.now()
    if checked:
        form = AvailabilityForm(request.GET, now=now)
    else:
        form = AvailabilityForm(initial=AvailabilityForm.suggested_initial(now), now=now)
    availability = None
    error = None
    if checked and form.is_valid():
        try:
            availability = check_availability(
                model,
                starts_at=form.cleaned_data["start"],
                ends_at=form.cleaned_data["end"],
                quantity=form.cleaned_data["quantity"],
            )
        except ApplicationError as exc:
            error = exc.message
    # "Reserve this model" carries the period and quantity just checked to the reservation form.
    reserve = {"model": model.pk}
    if checked and form.is_valid():
        reserve |= {
            "start": f"{timezone.localtime(form.cleaned_data['start']):%Y-%m-%dT%H:%M}",
            "end": f"{timezone.localtime(form.cleaned_data['end']):%Y-%m-%dT%H:%M}",
            "quantity": form.cleaned_data["quantity"],
        }
    return render(
        request,
        "catalog/model_detail.html",
        {
            "model": model,
            "photos": list(model.photos.all()),
            "spec_rows": specs.spec_rows(model.specs),
            "accessories": [
                pick(str(item.get("zh", "")), str(item.get("en", "")))
                for item in model.accessories or []
                if isinstance(item, dict)
            ],
            "rates": [
                (gettext("Per hour"), format_cny(model.hour_rate)),
                (gettext("Per day"), format_cny(model.day_rate)),
                (gettext("Per week (7 days)"), format_cny(model.week_rate)),
                (gettext("Per month (30 days)"), format_cny(model.month_rate)),
            ],
            "form": form,
            "checked": checked,
            "availability": availability,
            "error": error,
            "reserve_query": urlencode(reserve),
        },
    )


def check_availability(
    model: EquipmentModel, *, starts_at: datetime, ends_at: datetime, quantity: int
) -> Availability:
    """Free units for the period, the rent per unit, and if too few when enough will be free."""
    rent = rent_breakdown(
        hour=model.hour_rate,
        day=model.day_rate,
        week=model.week_rate,
        month=model.month_rate,
        start=starts_at,
        end=ends_at,
    )
    free = selectors.free_counts(starts_at=starts_at, ends_at=ends_at, models=[model.pk]).get(
        model.pk, 0
    )
    next_free = None
    if free < quantity:
        next_free = selectors.next_free_at(
            model=model, starts_at=starts_at, ends_at=ends_at, quantity=quantity
        )
    return Availability(
        starts_at=starts_at,
        ends_at=ends_at,
        quantity=quantity,
        free=free,
        rent=rent,
        next_free_at=next_free,
    )
