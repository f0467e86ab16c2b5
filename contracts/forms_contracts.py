"""Forms of the contract desk: signing, deposit, handover scans, returns, payments."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from rental.core.forms import BoundedDateField, MoneyField
from rental.core.i18n import pick
from service_tickets.terms_labels import term_choices

from .forms import HOURS
from .models import Payment
from .models.contracts import ReturnCondition, SignedPlace
from .services.charges import REFUND_METHODS


class SignForm(forms.Form):
    place = forms.ChoiceField(
        label=_("Signed"),
        choices=SignedPlace.choices,
        widget=forms.RadioSelect,
        initial=SignedPlace.OFFICE,
    )
    language = forms.ChoiceField(
        label=_("Language of the printed contract"),
        choices=[("zh-hans", "简体中文"), ("en", "English")],
        initial="zh-hans",
    )
    signature = forms.CharField(widget=forms.HiddenInput, required=False)


class DepositForm(forms.Form):
    amount = MoneyField(label=_("Deposit (CNY)"))
    reason = forms.CharField(label=_("Reason for the change"), max_length=300)


class ScanForm(forms.Form):
    asset_tag = forms.CharField(
        label=_("Scan or type the asset tag"),
        max_length=32,
        widget=forms.TextInput(
            attrs={"autofocus": True, "autocomplete": "off", "inputmode": "text"}
        ),
    )


class ReturnForm(forms.Form):
    asset_tag = forms.CharField(widget=forms.HiddenInput)
    condition = forms.ChoiceField(
        label=_("Condition"),
        choices=ReturnCondition.choices,
        widget=forms.RadioSelect,
        initial=ReturnCondition.GOOD,
    )
    missing = forms.MultipleChoiceField(
        label=_("Missing accessories"), required=False, widget=forms.CheckboxSelectMultiple
    )
    damage_amount = MoneyField(
        label=_("Cost of damage or missing items (CNY)"), required=False, initial=0
    )
    notes = forms.CharField(label=_("Notes"), max_length=300, required=False)

    def __init__(self, *args, accessories: list[dict], **kwargs):
        super().__init__(*args, **kwargs)
        # The Chinese name is the stored value; each reader sees the name in their language.
        self.fields["missing"].choices = [
            (a.get("zh") or a.get("en", ""), pick(a.get("zh", ""), a.get("en", "")))
            for a in accessories
        ]


class PaymentForm(forms.Form):
    amount = MoneyField(label=_("Amount (CNY)"), min_value=Decimal("0.01"))
    method = forms.ChoiceField(
        label=_("Method"),
        choices=[c for c in Payment.Method.choices if c[0] != Payment.Method.DEPOSIT],
    )
    reference = forms.CharField(label=_("Reference"), max_length=100, required=False)


class RefundForm(forms.Form):
    amount = MoneyField(label=_("Amount refunded (CNY)"), min_value=Decimal("0.01"))
    method = forms.ChoiceField(
        label=_("Paid out by"),
        choices=[c for c in Payment.Method.choices if c[0] in REFUND_METHODS],
    )
    reference = forms.CharField(
        label=_("Transfer reference (not needed for cash)"), max_length=100, required=False
    )


class ExtendForm(forms.Form):
    end_date = BoundedDateField(
        label=_("New end (date)"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
    )
    end_hour = forms.TypedChoiceField(
        label=_("New end (time)"), choices=HOURS, coerce=int, initial=18
    )


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason for cancelling"), max_length=300)


class TermForm(forms.Form):
    key = forms.ChoiceField(label=_("Service term"))
    value = forms.CharField(
        label=_("Value for this contract"),
        max_length=100,
        required=False,
        help_text=_("Hours, km or CNY as a number; times as 12:00; leave empty for “none”."),
    )

    def __init__(self, *args, tier: str, values: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        # By meaning, grouped by tier, each with the value that applies now (terms_labels).
        self.fields["key"].choices = term_choices(tier=tier, values=values or {})


class CloseForm(forms.Form):
    """The last step: how the deposit refund was paid, and a yes to what closing will do."""

    refund_method = forms.ChoiceField(
        label=_("Refund paid by"),
        required=False,
        choices=[("", "—")]
        + [
            (c, label)
            for c, label in Payment.Method.choices
            if c in ("cash", "bank", "wechat", "alipay")
        ],
    )
    refund_reference = forms.CharField(
        label=_("Refund reference (transaction number)"),
        max_length=100,
        required=False,
        help_text=_("Needed for a transfer, WeChat or Alipay refund."),
    )
    confirm = forms.BooleanField(
        label=_("I have checked the figures above; close the contract."),
        error_messages={"required": _("Tick the box to confirm the closing.")},
    )


class WriteOffForm(forms.Form):
    amount = forms.DecimalField(
        label=_("Amount to write off (CNY)"), min_value=0.01, decimal_places=2, max_digits=12
    )
    reason = forms.CharField(label=_("Reason (kept on the statement)"), max_length=300)


class DistanceForm(forms.Form):
    distance_km = forms.DecimalField(
        label=_("Road distance from our depot, confirmed (km)"),
        min_value=0,
        max_value=2000,
        decimal_places=1,
    )
