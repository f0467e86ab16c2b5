"""Forms of the catalogue pages and the console: parse and check input, nothing more."""

from __future__ import annotations

from datetime import datetime, timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rental.core.forms import BoundedDateTimeField
from rental.core.timeutil import SHANGHAI

from . import specs
from .models import EquipmentModel
from .pricing import rental_period_problem

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"
# A longer period is a long-term contract that staff quote by hand.
MAX_PERIOD = timedelta(days=366)
MAX_QUANTITY = 500


class HourInput(forms.DateTimeInput):
    """A native date-and-time picker that steps in whole hours."""

    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs={"step": 3600, **(attrs or {})}, format=DATETIME_LOCAL)


class AvailabilityForm(forms.Form):
    """A period (to the hour, Shanghai time) and a quantity; read from the query string."""

    start = BoundedDateTimeField(
        label=_("From"),
        widget=HourInput(),
        input_formats=[DATETIME_LOCAL, "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
        error_messages={
            "required": _("Choose when the rental starts."),
            "invalid": _("Enter the start as a date and time, e.g. 2025-06-01 09:00."),
        },
    )
    end = BoundedDateTimeField(
        label=_("Until"),
        widget=HourInput(),
        input_formats=[DATETIME_LOCAL, "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
        error_messages={
            "required": _("Choose when the rental ends."),
            "invalid": _("Enter the end as a date and time, e.g. 2025-06-03 18:00."),
        },
    )
    quantity = forms.IntegerField(
        label=_("Quantity"),
        initial=1,
        widget=forms.NumberInput(attrs={"min": 1, "max": MAX_QUANTITY, "inputmode": "numeric"}),
        error_messages={
            "required": _("Enter how many units you need."),
            "invalid": _("Enter the quantity as a whole number."),
        },
    )

    def __init__(self, *args, now: datetime | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.now = now or timezone.now()

    @classmethod
    def suggested_initial(cls, now: datetime | None = None) -> dict:
        """Tomorrow 09:00 to the day after 09:00: one day, a sensible first guess."""
        today = timezone.localtime(now or timezone.now(), SHANGHAI).date()
        start = datetime.combine(today + timedelta(days=1), datetime.min.time(), SHANGHAI)
        start = start.replace(hour=9)
        return {
            "start": start.strftime(DATETIME_LOCAL),
            "end": (start + timedelta(days=1)).strftime(DATETIME_LOCAL),
            "quantity": 1,
        }

    def clean_quantity(self) -> int:
        quantity = self.cleaned_data["quantity"]
        if quantity < 1:
            raise forms.ValidationError(_("The quantity must be at least 1."), code="min_value")
        if quantity > MAX_QUANTITY:
            raise forms.ValidationError(
                _("For more than %(max)s units please call us for a quote."),
                code="max_value",
                params={"max": MAX_QUANTITY},
            )
        return quantity

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start is None or end is None:
            return data
        problem = rental_period_problem(starts_at=start, ends_at=end, now=self.now)
        if problem is not None:
            self.add_error("end" if problem.code == "period" else "start", problem.message)
        elif end - start > MAX_PERIOD:
            self.add_error(
                "end", _("A period longer than a year is a long-term rental: please call us.")
            )
        return data


class CatalogueFilterForm(forms.Form):
    """The list's filters; unknown values are simply ignored, so any shared link still works."""

    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    category = forms.SlugField(required=False)
    brand = forms.SlugField(required=False)


class EquipmentModelForm(forms.ModelForm):
    """The console's model form: the specs JSON may only use the keys the catalogue knows."""

    class Meta:
        model = EquipmentModel
        fields = [
            "category",
            "brand",
            "name",
            "slug",
            "is_active",
            "summary_zh",
            "summary_en",
            "specs",
            "accessories",
            "hour_rate",
            "day_rate",
            "week_rate",
            "month_rate",
            "replacement_value",
            "deposit_amount",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "specs" in self.fields:
            # The JSON examples stay outside the translated text: translators must not touch them.
            self.fields["specs"].help_text = _(
                "A JSON object, e.g. %(example)s. Keys: %(keys)s"
            ) % {
                "example": '{"cpu": "Intel Core i5", "ram_gb": 16}',
                "keys": specs.spec_help_text(),
            }
        if "accessories" in self.fields:
            self.fields["accessories"].help_text = _("A JSON list, e.g. %(example)s.") % {
                "example": '[{"zh": "电源适配器", "en": "Power adapter"}]'
            }

    def clean_specs(self):
        value = self.cleaned_data.get("specs") or {}
        if not isinstance(value, dict):
            raise forms.ValidationError(_("The specifications must be a JSON object."))
        unknown = specs.unknown_keys(value)
        if unknown:
            raise forms.ValidationError(
                _("Unknown specification keys: %(keys)s."), params={"keys": ", ".join(unknown)}
            )
        return value

    def clean_accessories(self):
        value = self.cleaned_data.get("accessories") or []
        if not isinstance(value, list) or not all(
            isinstance(item, dict) and (item.get("zh") or item.get("en")) for item in value
        ):
            raise forms.ValidationError(
                _("The accessories must be a JSON list of items like %(example)s."),
                params={"example": '{"zh": "电源线", "en": "Power cord"}'},
            )
        return value


class AssetImportForm(forms.Form):
    file = forms.FileField(
        label=_("File (.csv or .xlsx)"),
        help_text=_(
            "Columns: model (the model's slug, or brand and model_name), serial_number, "
            "asset_tag, depot, acquired_on (YYYY-MM-DD), purchase_cost, condition_notes."
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        name = (upload.name or "").lower()
        if not name.endswith((".csv", ".xlsx")):
            raise forms.ValidationError(_("Upload a .csv or .xlsx file."))
        if upload.size > 5 * 1024 * 1024:
            raise forms.ValidationError(_("The file is larger than 5 MB."))
        return upload
