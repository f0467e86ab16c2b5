"""The page where anyone signed in issues tokens for their own phone or script and revokes them.

The same service as `POST /api/v1/auth/tokens/` and the console: the token is shown once, on the
answer to the POST that made it, and never stored in clear.
"""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rental.core.errors import ApplicationError

from . import scopes as scope_rules
from . import tokens
from .models import ApiToken


class OwnTokenForm(forms.Form):
    device = forms.CharField(
        label=gettext_lazy("Device or integration"),
        max_length=100,
        help_text=gettext_lazy(
            "A name you will recognise, e.g. “my phone”. A new token for the "
            "same name replaces the old one."
        ),
    )
    scopes = forms.MultipleChoiceField(
        label=gettext_lazy("What it may do"), widget=forms.CheckboxSelectMultiple
    )
    expires_in_days = forms.IntegerField(
        label=gettext_lazy("Valid for (days)"), min_value=1, max_value=366, initial=90
    )

    def __init__(self, *args, role: str, **kwargs):
        super().__init__(*args, **kwargs)
        allowed = scope_rules.for_role(role)
        # Only what the role may hold is offered: the service would refuse the rest anyway.
        self.fields["scopes"].choices = [
            (code, f"{label} · {code}") for code, label in scope_rules.choices() if code in allowed
        ]
        self.fields["scopes"].initial = list(allowed)


@login_required
def own_tokens(request: HttpRequest) -> HttpResponse:
    user = request.user
    issued = None
    form = OwnTokenForm(request.POST if "device" in request.POST else None, role=user.role)
    if request.method == "POST" and "revoke" in request.POST:
        token = get_object_or_404(
            ApiToken, pk=_int(request.POST["revoke"]), user=user, revoked_at__isnull=True
        )
        tokens.token_revoke(token=token, by=user)
        messages.success(request, _("Token for %(device)s revoked.") % {"device": token.device})
        return redirect("accounts:tokens")
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            token, plain = tokens.token_issue(
                user=user,
                device=data["device"],
                scopes=list(data["scopes"]),
                lifetime=timedelta(days=data["expires_in_days"]),
                by=user,
            )
        except ApplicationError as exc:
            form.add_error(exc.extra.get("field"), exc.message)
        else:
            issued = {"token": token, "plain": plain}
            form = OwnTokenForm(role=user.role)
    live = ApiToken.objects.filter(
        user=user, revoked_at__isnull=True, expires_at__gt=timezone.now()
    ).order_by("-created_at", "-id")
    response = render(
        request,
        "api/own_tokens.html",
        {"form": form, "issued": issued, "tokens": live},
        status=400 if request.method == "POST" and issued is None else 200,
    )
    # The answer that carries a token must not be kept by any cache.
    response["Cache-Control"] = "private, no-store"
    return response


def _int(value: str) -> int:
    return int(value) if value.isdigit() else 0
