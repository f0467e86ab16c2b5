"""The reports' filters. Each report uses some of them (registry.Report.filters)."""

from __future__ import annotations

import calendar
from datetime import date

from django import forms
from django.utils.translation import gettext_lazy as _

from catalog.models import Category, Depot, EquipmentModel
from rental.accounts.models import User
from rental.core.periods import Period, last_months
from service_tickets.terms import TIER_LABELS, ZONE_LABELS

# The months offered, back from this one. A list rather than the browser's month picker, which
# names the months in the browser's own language whatever the page's.
MONTHS_OFFERED = 36


def _months_back(today: date, count: int) -> list[str]:
    out, year, month = [], today.year, today.month
    while len(out) < count:
        out.append(f"{year}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return out


def _month(value: str) -> date | None:
    try:
        year, month = (int(part) for part in value.split("-"))
        return date(year, month, 1)
    except (ValueError, AttributeError):
        return None


class ReportFilters(forms.Form):
    start = forms.CharField(label=_("From month"), required=False, widget=forms.Select)
    end = forms.CharField(label=_("To month"), required=False, widget=forms.Select)
    grain = forms.ChoiceField(
        label=_("Per"),
        required=False,
        choices=[("month", _("month")), ("week", _("week"))],
    )
    group = forms.ChoiceField(
        label=_("By"),
        required=False,
        choices=[("category", _("category")), ("model", _("model")), ("unit", _("unit"))],
    )
    category = forms.ModelChoiceField(
        label=_("Category"), required=False, queryset=Category.objects.all()
    )
    model = forms.ModelChoiceField(
        label=_("Model"),
        required=False,
        queryset=EquipmentModel.objects.select_related("brand").order_by("brand__name", "name"),
    )
    depot = forms.ModelChoiceField(
        label=_("Depot"), required=False, queryset=Depot.objects.order_by("name")
    )
    tier = forms.ChoiceField(label=_("Service tier"), required=False)
    zone = forms.ChoiceField(label=_("Service zone"), required=False)
    technician = forms.ModelChoiceField(
        label=_("Technician"),
        required=False,
        queryset=User.objects.filter(role=User.Role.TECHNICIAN).order_by("username"),
    )

    def __init__(self, *args, fields: tuple[str, ...], today: date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        for name in list(self.fields):
            if name not in ("start", "end", *fields):
                del self.fields[name]
        everything = [("", _("All"))]
        if "tier" in self.fields:
            self.fields["tier"].choices = everything + [(k, _(v)) for k, v in TIER_LABELS.items()]
        if "zone" in self.fields:
            self.fields["zone"].choices = everything + [(k, _(v)) for k, v in ZONE_LABELS.items()]
        for name in ("category", "model", "depot", "technician"):
            if name in self.fields:
                self.fields[name].empty_label = _("All")
        months = _months_back(today, MONTHS_OFFERED)
        for name in ("start", "end"):
            chosen = self.data.get(name) if self.is_bound else None
            offered = months if not chosen or chosen in months else [chosen, *months]
            self.fields[name].widget.choices = [(m, m) for m in offered]
        # The months shown are those the report covers, also when none were chosen.
        period = self.period()
        self.initial.setdefault("start", f"{period.first:%Y-%m}")
        self.initial.setdefault("end", f"{period.last:%Y-%m}")
        if self.is_bound:
            self.data = self.data.copy()
            self.data["start"] = self.data.get("start") or f"{period.first:%Y-%m}"
            self.data["end"] = self.data.get("end") or f"{period.last:%Y-%m}"

    def period(self) -> Period:
        """The months chosen, whole, from the first day of the first to the last day of the
        last (never past today); the last six months by default."""
        default = last_months(self.today)
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        first = _month(data.get("start") or "") or default.first
        last_month = _month(data.get("end") or "")
        if last_month is None:
            last = default.last
        else:
            last = date(
                last_month.year,
                last_month.month,
                calendar.monthrange(last_month.year, last_month.month)[1],
            )
        last = min(last, self.today)
        if first > last:
            first = date(last.year, last.month, 1)
        return Period(first=first, last=last)

    def arguments(self) -> dict:
        """Keyword arguments for the report's selector."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        out: dict = {"period": self.period()}
        for name in self.fields:
            if name in ("start", "end"):
                continue
            value = data.get(name)
            if name in ("category", "model", "depot", "technician"):
                out[name] = value.pk if value else None
            elif name == "grain":
                out[name] = value or "month"
            elif name == "group":
                out[name] = value or "category"
            else:
                out[name] = value or None
        return out
