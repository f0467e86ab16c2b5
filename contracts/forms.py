"""Forms of the reservation path. They parse input; the services decide."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import lru_cache
from itertools import groupby
from operator import attrgetter

from django import forms
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from catalog.models import EquipmentModel
from catalog.selectors import ModelChoice, offered_models, offered_with_stock
from rental.core import rows
from rental.core.forms import (
    FAST_RENDERER,
    BoundedDateField,
    BoundedDateTimeField,
    QuickSelect,
    SharedChoiceField,
    SharedTypedChoiceField,
)
from rental.core.timeutil import SHANGHAI
from service_tickets.terms import TIERS

from .distances import estimated_km
from .models import Address, Customer, Inspection
from .models.choices import TIER_CHOICES
from .models.customers import District
from .models.reservations import Fulfilment
from .quotes import MAX_LINES
from .services import ReservationItem, ReservationRequest

HOURS = [(h, f"{h:02d}:00") for h in range(24)]


class CustomerProfileForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("I am renting as"), choices=Customer.Kind.choices, widget=forms.RadioSelect
    )
    name = forms.CharField(label=_("Name (company name or your full name)"), max_length=200)
    phone = forms.CharField(label=_("Mobile phone"), max_length=20)
    email = forms.EmailField(label=_("E-mail"), required=False)
    resident_id = forms.CharField(
        label=_("Resident ID number (individuals)"), max_length=18, required=False
    )
    credit_code = forms.CharField(
        label=_("Unified social credit code (companies)"), max_length=18, required=False
    )
    legal_representative = forms.CharField(
        label=_("Legal representative (companies)"), max_length=100, required=False
    )
    contact_person = forms.CharField(
        label=_("Contact person (companies)"), max_length=100, required=False
    )


class AddressForm(forms.Form):
    label = forms.CharField(
        label=_("Name this address (e.g. office)"), max_length=50, required=False
    )
    district = forms.ChoiceField(label=_("District or city"), choices=District.choices)
    line = forms.CharField(label=_("Street address"), max_length=300)
    distance_km = forms.DecimalField(
        label=_("Road distance from our depot (km), if you know it"),
        min_value=0,
        max_value=2000,
        decimal_places=1,
        required=False,
        help_text=_(
            "Leave it empty and we estimate it from the district; staff confirm the road "
            "distance before you sign, and the delivery fee follows the confirmed figure."
        ),
    )

    def clean(self):
        data = super().clean()
        if data.get("distance_km") is None and data.get("district"):
            data["distance_km"] = estimated_km(data["district"])
            if data["distance_km"] is None:
                self.add_error("distance_km", _("Enter the distance for an address elsewhere."))
        return data

    contact_name = forms.CharField(label=_("Contact on site"), max_length=100, required=False)
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=20, required=False)


class ReservationForm(forms.Form):
    default_renderer = FAST_RENDERER
    template_name = "contracts/_reservation_fields.jinja"
    start_date = BoundedDateField(
        label=_("From (date)"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
    )
    start_hour = SharedTypedChoiceField(
        label=_("From (time)"), choices=HOURS, coerce=int, initial=9, widget=QuickSelect
    )
    end_date = BoundedDateField(
        label=_("Until (date)"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
    )
    end_hour = SharedTypedChoiceField(
        label=_("Until (time)"), choices=HOURS, coerce=int, initial=18, widget=QuickSelect
    )
    fulfilment = SharedChoiceField(
        label=_("Delivery"),
        choices=Fulfilment.choices,
        widget=forms.RadioSelect,
        initial=Fulfilment.DELIVERY,
    )
    address = SharedTypedChoiceField(label=_("Delivery address"), required=False, empty_value=None)
    tier = SharedChoiceField(
        label=_("Service tier"), choices=TIER_CHOICES, widget=forms.RadioSelect, initial="basic"
    )

    def __init__(self, *args, customer: Customer, **kwargs):
        super().__init__(*args, **kwargs)
        self.customer = customer
        # Read when first needed (a reservation collected at the office never needs them).
        self.fields["address"].choices = lambda: [
            ("", _("Choose an address")),
            *((a.pk, str(a)) for a in self.addresses),
        ]
        self.fields["address"].coerce = self._address
        if not self.is_bound and len(self.addresses) == 1:
            self.fields["address"].initial = self.addresses[0].pk
        self.fields["tier"].choices = [c for c in TIER_CHOICES if c[0] in TIERS]
        tomorrow = (timezone.now().astimezone(SHANGHAI) + timedelta(days=1)).date()
        self.fields["start_date"].initial = tomorrow
        self.fields["end_date"].initial = tomorrow + timedelta(days=2)
        # A period passed on from the catalogue wins over the suggestion above.
        for name in ("start_date", "start_hour", "end_date", "end_hour"):
            if name in self.initial:
                self.fields[name].initial = self.initial.pop(name)
        self.items: list[ReservationItem] = []

    def shown(self, name: str):
        """What field `name` shows, as its widget would write it: the posted text, or the initial
        value (a date as YYYY-MM-DD; a choice field's as a list of chosen values)."""
        bound = self[name]
        return bound.field.widget.format_value(bound.value())

    @cached_property
    def addresses(self) -> list[Address]:
        """The customer's active addresses, read once: the choices, the check of the one posted
        and the page's hint to add one all use this list."""
        found = rows.read(Address, _ACTIVE_ADDRESSES, [self.customer.pk], alias="a", table=Address)
        return [address for address, _more in found]

    def _address(self, pk: str) -> Address:
        return next(a for a in self.addresses if str(a.pk) == pk)

    @cached_property
    def models(self) -> list[ModelChoice]:
        """Every model offered, for the page's choices (read only when the form is shown)."""
        return offered_models()

    @cached_property
    def chosen_models(self) -> dict[int, EquipmentModel]:
        """The posted models that are offered, read once with their units in service (the
        reservation's stock check uses them)."""
        ids = set()
        for n in range(MAX_LINES):
            try:
                ids.add(int(self.data.get(f"model_{n}", "")))
            except ValueError:
                continue
        ids = {pk for pk in ids if 0 < pk < 2**63}  # what a bigint id can be; others are no model
        return offered_with_stock(ids) if ids else {}

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        data["starts_at"] = datetime.combine(
            data["start_date"], datetime.min.time(), tzinfo=SHANGHAI
        ).replace(hour=data["start_hour"])
        data["ends_at"] = datetime.combine(
            data["end_date"], datetime.min.time(), tzinfo=SHANGHAI
        ).replace(hour=data["end_hour"])
        self.items = self._items()
        if data["fulfilment"] == Fulfilment.DELIVERY and not data.get("address"):
            self.add_error("address", _("Choose the delivery address, or collect at our office."))
        return data

    def _items(self) -> list[ReservationItem]:
        by_id = self.chosen_models
        items, problems = [], []
        for n in range(MAX_LINES):
            raw_model = self.data.get(f"model_{n}", "")
            raw_qty = self.data.get(f"quantity_{n}", "")
            if not raw_model:
                continue
            try:
                model = by_id[int(raw_model)]
            except (KeyError, ValueError):
                problems.append(_("One of the chosen models is not offered."))
                continue
            try:
                quantity = int(raw_qty)
            except ValueError:
                problems.append(
                    _("Enter a whole number of units for %(model)s.") % {"model": model}
                )
                continue
            items.append(ReservationItem(model=model, quantity=quantity))
        if not items and not problems:
            problems.append(_("Choose at least one model."))
        for problem in problems:
            self.add_error(None, problem)
        return items

    def reservation_request(self, customer: Customer) -> ReservationRequest:
        """The valid form as the request the quote and the holds take."""
        data = self.cleaned_data
        delivery = data["fulfilment"] == Fulfilment.DELIVERY
        return ReservationRequest(
            customer=customer,
            items=tuple(self.items),
            starts_at=data["starts_at"],
            ends_at=data["ends_at"],
            fulfilment=data["fulfilment"],
            address=data.get("address") if delivery else None,
            tier=data["tier"],
        )

    def error_text(self) -> str:
        """All errors in one line, each field's prefixed by its label (for the live quote)."""
        parts = []
        for name, errors in self.errors.items():
            label = self.fields[name].label if name in self.fields else ""
            parts += [
                _("%(label)s: %(error)s") % {"label": label, "error": e} if label else str(e)
                for e in errors
            ]
        return " ".join(parts)

    def lines_for_template(self) -> list[dict]:
        """The model/quantity rows to show again, at least one, each with its model list."""
        rows = [
            (n, self.data.get(f"model_{n}", ""), self.data.get(f"quantity_{n}", "1"))
            for n in range(MAX_LINES)
            if self.data.get(f"model_{n}")
        ]
        if not rows:
            rows = [(0, str(self.initial.get("model", "")), str(self.initial.get("quantity", "1")))]
        return [
            {"n": n, "select": self._model_select(n, chosen), "quantity": quantity}
            for n, chosen, quantity in rows
        ]

    def _model_select(self, n: int, chosen: str) -> SafeString:
        """The line's list of every model offered, by category, `chosen` (an id, or a slug passed
        on from the catalogue) selected. Drawn here rather than by a template: it lists the whole
        catalogue on every line, and a refused reservation shows the form again."""
        options = _catalogue_options(tuple(self.models), get_language())
        pk = next((m.pk for m in self.models if chosen in (str(m.pk), m.slug)), None)
        if pk is not None:  # an id, drawn by us: nothing to escape
            options = mark_safe(  # noqa: S308
                options.replace(f'<option value="{pk}">', f'<option value="{pk}" selected>', 1)
            )
        return format_html(
            '<select name="model_{}" aria-label="{}"><option value="">{}</option>{}</select>',
            n,
            _("Model"),
            _("Choose a model"),
            options,
        )


class InspectionForm(forms.Form):
    place = forms.ChoiceField(
        label=_("Where"),
        choices=Inspection.Place.choices,
        widget=forms.RadioSelect,
        initial=Inspection.Place.SHOWROOM,
    )
    slot = BoundedDateTimeField(label=_("When"), required=False, input_formats=["%Y-%m-%dT%H:%M"])

    def __init__(self, *args, places=None, **kwargs):
        super().__init__(*args, **kwargs)
        if places is not None:
            # Only the places that can work for this reservation are offered.
            self.fields["place"].choices = [(p, Inspection.Place(p).label) for p in places]
            self.fields["place"].initial = places[0]


class CancelReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason for cancelling"), max_length=300, required=False)


class OutcomeForm(forms.Form):
    accepted = forms.MultipleChoiceField(
        label=_("Units the customer accepts"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    reason = forms.CharField(
        label=_("Reason, if the customer declines everything or some units"),
        required=False,
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["accepted"].choices = [
            (u.pk, f"{u.line.model} · {u.asset.asset_tag} · {u.asset.serial_number}") for u in units
        ]
        self.fields["accepted"].initial = [u.pk for u in units]


# Written out (rental.core.rows): every reservation page and refusal reads them.
_ACTIVE_ADDRESSES = """
    SELECT {columns} FROM {table} a WHERE a.customer_id = %s AND a.is_active ORDER BY a.id
"""


@lru_cache(maxsize=8)
def _catalogue_options(models: tuple[ModelChoice, ...], language: str) -> SafeString:
    """Every model offered as `<option>`s by category, none selected: drawn once per catalogue
    (its models, names and day rates are the key, so any change draws it anew) and language."""
    day = _("day")
    return format_html_join(
        "",
        '<optgroup label="{}">{}</optgroup>',
        (
            (
                group[0].category,
                format_html_join(
                    "",
                    '<option value="{}">{} · ¥{}/{}</option>',
                    ((m.pk, m.label, m.day_rate, day) for m in group),
                ),
            )
            for group in (
                list(group) for _id, group in groupby(models, key=attrgetter("category_id"))
            )
        ),
    )
