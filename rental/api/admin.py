"""API tokens in the console: managers issue tokens for integrations (shown once) and revoke any."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from rental.core.errors import ApplicationError

from . import scopes as scope_rules
from . import tokens
from .models import ApiToken


def _is_manager(user) -> bool:
    return user.is_active and (user.is_superuser or user.in_staff_group(user.StaffGroup.MANAGER))


class IssueTokenForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(
        label=_("scopes"),
        # The code beside the name: integrators read the codes in the API's documentation.
        choices=lambda: [(code, f"{label} · {code}") for code, label in scope_rules.choices()],
        widget=forms.CheckboxSelectMultiple(attrs={"class": "radiolist"}),
        help_text=_("Only scopes the user's role allows are accepted."),
    )
    expires_in_days = forms.IntegerField(
        label=_("valid for (days)"), min_value=1, max_value=366, initial=90
    )

    class Meta:
        model = ApiToken
        fields = ["user", "device", "scopes"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = (
        "prefix",
        "user",
        "device",
        "scope_list",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
        "created_by",
    )
    list_filter = ("user__role",)
    search_fields = ("prefix", "device", "user__username")
    list_select_related = ("user", "created_by")
    actions = ["revoke"]
    readonly_fields = (
        "user",
        "device",
        "prefix",
        "scopes",
        "created_at",
        "created_by",
        "expires_at",
        "revoked_at",
        "last_used_at",
    )

    @admin.display(description=_("scopes"))
    def scope_list(self, obj) -> str:
        return ", ".join(obj.scopes)

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = IssueTokenForm
        return super().get_form(request, obj, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.readonly_fields

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["user", "device", "scopes", "expires_in_days"]
        return list(self.readonly_fields)

    def has_add_permission(self, request):
        return _is_manager(request.user)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_revoke_permission(self, request):
        return _is_manager(request.user)

    def has_view_permission(self, request, obj=None):
        return _is_manager(request.user)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        try:
            token, plain = tokens.token_issue(
                user=data["user"],
                device=data["device"],
                scopes=list(data["scopes"]),
                lifetime=timedelta(days=data["expires_in_days"]),
                by=request.user,
            )
        except ApplicationError as exc:
            # The form was valid; the rule said no. Nothing was stored.
            self.message_user(request, exc.message, messages.ERROR)
            raise _Refused from exc
        obj.pk, obj.prefix = token.pk, token.prefix
        self.message_user(
            request,
            _("Token for %(device)s, shown only now — copy it into the integration: %(token)s")
            % {"device": token.device, "token": plain},
            messages.WARNING,
        )

    def add_view(self, request, form_url="", extra_context=None):
        try:
            return super().add_view(request, form_url, extra_context)
        except _Refused:
            from django.shortcuts import redirect

            return redirect(request.get_full_path())

    def save_related(self, request, form, formsets, change):
        pass

    @admin.action(description=_("Revoke the selected tokens"), permissions=["revoke"])
    def revoke(self, request, queryset):
        count = 0
        for token in queryset.filter(revoked_at__isnull=True):
            tokens.token_revoke(token=token, by=request.user)
            count += 1
        self.message_user(
            request,
            ngettext("%(count)d token revoked.", "%(count)d tokens revoked.", count)
            % {"count": count},
            messages.SUCCESS,
        )


class _Refused(Exception):
    pass
