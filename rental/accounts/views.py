"""Customers' own doors: sign up, verify the phone or e-mail, recover a forgotten password."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rental.core.errors import ApplicationError

from . import verification
from .forms import CodeForm, RecoverFinishForm, RecoverStartForm, SignupForm
from .models import User

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
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
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
