"""Forms of the service pages. They parse input; the services decide."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from catalog.models import Asset
from contracts.models import Address, Contract
from rental.accounts.models import User
from rental.core.forms import BoundedDateTimeField, MoneyField

from .models import Ticket

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


class LocalDateTimeField(BoundedDateTimeField):
    """An <input type="datetime-local">, read on the Shanghai clock (the active time zone)."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL)

    def __init__(self, **kwargs):
        super().__init__(input_formats=[DATETIME_LOCAL, "%Y-%m-%d %H:%M"], **kwargs)


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Asset) -> str:
        return f"{obj.model} · {obj.asset_tag} · {obj.serial_number}"


class UnitsField(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj: Asset) -> str:
        return f"{obj.model} · {obj.asset_tag}"


def contract_units(contract: Contract | None):
    if contract is None:
        return Asset.objects.none()
    return Asset.objects.filter(contractunit__contract=contract).select_related("model__brand")


REPAIR_KIND_CHOICES = [
    (k.value, k.label) for k in (Ticket.Kind.HARDWARE, Ticket.Kind.SOFTWARE, Ticket.Kind.OTHER)
]


class CallForm(forms.Form):
    """The customer's call for service from a contract."""

    unit = UnitChoiceField(label=_("Which unit?"), queryset=Asset.objects.none())
    kind = forms.ChoiceField(
        label=_("What is the problem?"), choices=REPAIR_KIND_CHOICES, widget=forms.RadioSelect
    )
    description = forms.CharField(
        label=_("Describe it"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What happens, since when, and any error message."),
    )
    address = forms.ModelChoiceField(
        label=_("Where should the technician go?"), queryset=Address.objects.none()
    )

    def __init__(self, *args, contract: Contract, **kwargs):
        super().__init__(*args, **kwargs)
        units = contract_units(contract)
        self.fields["unit"].queryset = units
        self.fields["unit"].empty_label = _("Choose the unit")
        if len(units) == 1:
            self.fields["unit"].initial = units[0].pk
        if contract.address_id:
            del self.fields["address"]
        else:
            self.fields["address"].queryset = contract.customer.addresses.filter(is_active=True)


class StaffOpenForm(forms.Form):
    """A phone call, a unit brought to the counter, or a delivery/pickup trip, for a contract."""

    WHAT = [
        ("on_site", _("On-site repair (phone call)")),
        ("workshop", _("Repair at our tech department (unit brought in)")),
        ("delivery", _("Delivery trip")),
        ("pickup", _("Pickup trip")),
    ]
    what = forms.ChoiceField(label=_("What"), choices=WHAT, widget=forms.RadioSelect)
    unit = UnitChoiceField(label=_("Unit"), queryset=Asset.objects.none(), required=False)
    kind = forms.ChoiceField(label=_("Problem"), choices=REPAIR_KIND_CHOICES, required=False)
    description = forms.CharField(
        label=_("Description or note"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    reported_at = LocalDateTimeField(
        label=_("Called at"),
        required=False,
        help_text=_("For a phone call: when it came in. Empty: now."),
    )
    scheduled_for = LocalDateTimeField(label=_("Trip scheduled for"), required=False)

    def __init__(self, *args, contract: Contract, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = contract_units(contract)

    def clean(self):
        data = super().clean()
        what = data.get("what")
        if what in ("on_site", "workshop"):
            if not data.get("unit"):
                self.add_error("unit", _("Choose the unit."))
            if not data.get("kind"):
                self.add_error("kind", _("Choose the problem."))
            if not (data.get("description") or "").strip():
                self.add_error("description", _("Describe the problem."))
        if what in ("delivery", "pickup") and not data.get("scheduled_for"):
            self.add_error("scheduled_for", _("When is the trip?"))
        return data


class TechnicianChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return obj.get_full_name() or obj.username


def technicians():
    return User.objects.filter(role=User.Role.TECHNICIAN, is_active=True).order_by("username")


class AssignForm(forms.Form):
    technician = TechnicianChoiceField(label=_("Technician"), queryset=User.objects.none())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["technician"].queryset = technicians()


class DeadlineForm(forms.Form):
    deadline = LocalDateTimeField(label=_("On site by"))


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300)


class ResolveForm(forms.Form):
    notes = forms.CharField(
        label=_("What was done"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4})
    )
    units = UnitsField(label=_("Units worked on"), queryset=Asset.objects.none(), required=False)
    parts = forms.CharField(
        label=_("Parts used"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    work_kind = forms.ChoiceField(
        label=_("Work done"), choices=Ticket.WorkKind.choices, widget=forms.RadioSelect
    )

    def __init__(self, *args, ticket: Ticket, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["units"].queryset = contract_units(ticket.contract)
        if ticket.is_trip:
            self.fields["units"].label = _("Units delivered or picked up")
            self.fields["units"].initial = list(ticket.units_worked.values_list("pk", flat=True))
        elif ticket.asset_id:
            self.fields["units"].initial = [ticket.asset_id]
        if ticket.is_trip:
            del self.fields["work_kind"]
        elif ticket.kind in (Ticket.Kind.HARDWARE, Ticket.Kind.SOFTWARE):
            self.fields["work_kind"].initial = ticket.kind


class CloseForm(forms.Form):
    fee = MoneyField(label=_("Fee (CNY)"))

    def __init__(self, *args, low: Decimal, high: Decimal, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["fee"]
        field.widget.attrs.update(
            {"min": str(low), "max": str(high), "step": "0.01", "inputmode": "decimal"}
        )
        field.initial = low if low == high else None


class WorkshopRepairedForm(forms.Form):
    notes = forms.CharField(
        label=_("What was done"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
    parts = forms.CharField(label=_("Parts used"), max_length=2000, required=False)


class CollectedForm(forms.Form):
    fee = MoneyField(label=_("Fee for chargeable items (CNY)"), initial=0)
    fee_note = forms.CharField(
        label=_("Chargeable items under the contract"), max_length=300, required=False
    )
