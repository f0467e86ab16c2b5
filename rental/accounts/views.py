"""Login and password reset, with the limits that keep them from being turned against users.

The lock-out itself is django-axes, by account *and* address together (settings), so strangers
cannot lock someone out by guessing their password. Here: a separate, higher limit per address
across accounts (a password spray), and a limit on reset mail per address and per account.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rental.core import ratelimit
from rental.core.clientip import client_ip

USERNAME_MAX = get_user_model()._meta.get_field("username").max_length


class LoginForm(auth_forms.AuthenticationForm):
    def clean_username(self):
        username = self.cleaned_data.get("username") or ""
        if len(username) > USERNAME_MAX:
            # Refused before authenticate(): nobody's username is this long, and the attempt
            # table could not even store it.
            raise forms.ValidationError(
                _("A username has at most %(max)s characters.") % {"max": USERNAME_MAX},
                code="max_length",
            )
        return username


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "accounts/login.html"

    def post(self, request, *args, **kwargs):
        if ratelimit.over(
            "login-address", client_ip(request), limit=settings.LOGIN_ADDRESS_FAILURE_LIMIT
        ):
            return render(request, "accounts/locked_out.html", status=429)
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form):
        if form.data.get("username") and form.data.get("password"):
            ratelimit.hit(
                "login-address",
                client_ip(self.request),
                seconds=int(settings.AXES_COOLOFF_TIME * 3600),
            )
        return super().form_invalid(form)


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Refuses when an address or an account has asked for too many reset mails this hour. The
    refusal is the same whether or not the account exists, so it tells nobody anything."""

    limited = gettext_lazy(
        "We have already sent several password-reset e-mails. "
        "Check your inbox (and spam folder), or try again in an hour."
    )

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request

    def clean_email(self):
        email = self.cleaned_data["email"]
        address = client_ip(self.request) if self.request else ""
        if ratelimit.over(
            "reset-address", address, limit=settings.PASSWORD_RESET_PER_ADDRESS
        ) or ratelimit.over("reset-account", email, limit=settings.PASSWORD_RESET_PER_ACCOUNT):
            raise forms.ValidationError(self.limited, code="rate_limited")
        ratelimit.hit("reset-address", address, seconds=3600)
        ratelimit.hit("reset-account", email, seconds=3600)
        return email


class PasswordResetView(auth_views.PasswordResetView):
    form_class = PasswordResetForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}
