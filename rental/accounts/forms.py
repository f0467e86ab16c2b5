"""Sign-up, verification and recovery forms: input is checked here, the rules in verification."""

from django import forms
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from rental.core.errors import ApplicationError
from rental.core.phones import clean_mobile

KIND_CHOICES = [("individual", _("Individual")), ("company", _("Company or organisation"))]


class _NewPassword(forms.Form):
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html,
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password2") != data["password1"]:
            self.add_error("password2", _("The two passwords differ."))
        return data


class SignupForm(_NewPassword):
    kind = forms.ChoiceField(
        label=_("I am renting as"), choices=KIND_CHOICES, widget=forms.RadioSelect
    )
    name = forms.CharField(label=_("Name (company name or your full name)"), max_length=150)
    phone = forms.CharField(
        label=_("Mobile phone"),
        max_length=20,
        help_text=_("You log in with this number; we text a code to it."),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    email = forms.EmailField(label=_("E-mail"), required=False)

    field_order = ["kind", "name", "phone", "email", "password1", "password2"]

    def clean_phone(self):
        try:
            return clean_mobile(self.cleaned_data["phone"])
        except ApplicationError as exc:
            raise ValidationError(str(exc)) from exc

    def clean(self):
        data = super().clean()
        password = data.get("password1")
        if password and "password2" not in self.errors:
            from .models import User

            probe = User(
                username=(data.get("phone") or "").removeprefix("+86"),
                first_name=data.get("name", ""),
                email=data.get("email", ""),
            )
            try:
                password_validation.validate_password(password, probe)
            except ValidationError as exc:
                self.add_error("password1", exc)
        return data


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=6,
        min_length=6,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )


class RecoverStartForm(forms.Form):
    identifier = forms.CharField(label=_("Mobile phone or e-mail"), max_length=254)


class RecoverFinishForm(_NewPassword):
    code = forms.CharField(
        label=_("Code"),
        max_length=6,
        min_length=6,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )
    field_order = ["code", "password1", "password2"]
