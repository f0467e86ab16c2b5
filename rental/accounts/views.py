"""Login, sign-up, verification and password reset, with limits that keep them safe.

The lock-out itself is django-axes, by account *and* address together (settings), so strangers
cannot lock someone out by guessing their password. Here: a separate, higher limit per address
across accounts (a password spray), and a limit on reset mail per address and per account.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import get_user_model, login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rental.core import ratelimit
from rental.core.clientip import client_ip
from rental.core.errors import ApplicationError

from . import verification
from .forms import CodeForm, RecoverFinishForm, RecoverStartForm, SignupForm
from .models import User

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
        # The same account however the number is typed, which also keeps the lock-out from
        # being dodged by spacing a number differently.
        return verification.login_name(username)


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


# --- sign-up, verification and recovery (customers) ----------------------------------------


RECOVER_SESSION_KEY = "recover_user_id"


def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("home")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = verification.customer_signup(
                kind=data["kind"],
                name=data["name"],
                phone=data["phone"],
                email=data["email"],
                password=data["password1"],
                language="en" if (get_language() or "").startswith("en") else "zh-hans",
            )
        except ApplicationError as exc:
            form.add_error(None, str(exc))
        except ValidationError as exc:
            form.add_error("password1", exc)
        else:
            login(request, user, backend="rental.accounts.backends.UserBackend")
            messages.success(
                request, _("Welcome! We have texted you a code to confirm your number.")
            )
            return redirect("accounts:verify")
    return render(request, "accounts/signup.html", {"form": form})


@login_required
def verify(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not user.verification_required:
        return redirect("contracts:profile" if user.is_customer else "home")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            verification.contact_verify(user=user, code=form.cleaned_data["code"])
        except ApplicationError as exc:
            form.add_error("code", str(exc))
        else:
            messages.success(request, _("Thank you, your account is confirmed."))
            return redirect("contracts:profile")
    return render(request, "accounts/verify.html", {"form": form, "account": user})


@login_required
@require_POST
def verify_resend(request: HttpRequest) -> HttpResponse:
    channel = "email" if request.POST.get("channel") == "email" else "sms"
    try:
        verification.code_send(user=request.user, purpose="verify", channel=channel)
    except ApplicationError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("A new code is on its way by e-mail.")
            if channel == "email"
            else _("A new code is on its way by SMS."),
        )
    return redirect("accounts:verify")


def recover(request: HttpRequest) -> HttpResponse:
    form = RecoverStartForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = verification.recovery_start(identifier=form.cleaned_data["identifier"])
        except ApplicationError as exc:
            form.add_error(None, str(exc))
        else:
            # The same answer whether or not the account exists: the form does not tell strangers
            # who our customers are.
            request.session[RECOVER_SESSION_KEY] = user.pk if user else None
            messages.info(
                request,
                _("If this number or address belongs to an account, a code is on its way."),
            )
            return redirect("accounts:recover_code")
    return render(request, "accounts/recover.html", {"form": form})


def recover_code(request: HttpRequest) -> HttpResponse:
    if RECOVER_SESSION_KEY not in request.session:
        return redirect("accounts:recover")
    form = RecoverFinishForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = User.objects.filter(pk=request.session.get(RECOVER_SESSION_KEY) or 0).first()
        try:
            if user is None:
                raise verification.VerificationError(
                    _("That code is not right. Check the message and try again.")
                )
            verification.recovery_finish(
                user=user, code=form.cleaned_data["code"], password=form.cleaned_data["password1"]
            )
        except ApplicationError as exc:
            form.add_error("code", str(exc))
        except ValidationError as exc:
            form.add_error("password1", exc)
        else:
            del request.session[RECOVER_SESSION_KEY]
            messages.success(request, _("Your new password is set. Log in with it."))
            return redirect("accounts:login")
    return render(request, "accounts/recover_code.html", {"form": form})
