"""Forms of the identity-document pages. They parse input; contracts.services.documents decides."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import IdentityDocument
from .services.documents import max_megabytes

# Only a hint to the phone's file picker; the service checks the content itself.
ACCEPT = "image/jpeg,image/png,application/pdf,.jpg,.jpeg,.png,.pdf"


class DocumentUploadForm(forms.Form):
    kind = forms.ChoiceField(choices=IdentityDocument.Kind.choices, widget=forms.HiddenInput)
    file = forms.FileField(widget=forms.FileInput(attrs={"accept": ACCEPT}))

    def __init__(self, *args, kinds: tuple[str, ...] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].label = _("Photo or scan (JPEG, PNG or PDF, up to %(size)s MB)") % {
            "size": max_megabytes()
        }
        if kinds:
            self.fields["kind"].choices = [
                (value, label) for value, label in IdentityDocument.Kind.choices if value in kinds
            ]


class GuarantorForm(forms.Form):
    name = forms.CharField(label=_("Guarantor's full name"), max_length=100)
    id_number = forms.CharField(
        label=_("Guarantor's resident ID number"),
        max_length=30,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text"}),
    )
    phone = forms.CharField(
        label=_("Guarantor's mobile phone"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )


class VerifyForm(forms.Form):
    representative_id = forms.CharField(
        label=_("Responsible person's ID number (from the copy)"),
        max_length=30,
        required=False,
    )


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (the customer sees it)"),
        max_length=300,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. The photo is blurred")}),
    )
