"""Console: service terms (edited by publishing a new version) and tickets (read-only here; staff
work tickets on the dispatch pages)."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from rental.core.errors import ApplicationError

from . import services
from .models import TermsVersion, Ticket
from .selectors import terms_in_force
from .terms import DELIVERY_MODES, FIELD_KINDS, TIER_LABELS, TIERS, ZONE_LABELS, ZONES
from .terms_labels import MODE_LABELS as _MODE_LABELS
from .terms_labels import term_label as _label


def _field(key: str, kind: str) -> forms.Field:
    label = _label(key)
    if kind in ("money", "km", "rate"):
        return forms.DecimalField(
            label=label, min_value=0, decimal_places=3 if kind == "rate" else 2
        )
    if kind in ("count", "hours"):
        return forms.IntegerField(label=label, min_value=1 if kind == "count" else 0)
    if kind in ("hours_or_null", "days_or_null"):
        return forms.IntegerField(label=label, min_value=1, required=False)
    if kind == "clock_or_null":
        return forms.TimeField(label=label, required=False, widget=forms.TimeInput(format="%H:%M"))
    if kind == "delivery_mode":
        return forms.ChoiceField(
            label=label, choices=[(m, _MODE_LABELS[m]) for m in DELIVERY_MODES]
        )
    if kind == "zones":
        return forms.MultipleChoiceField(
            label=label,
            required=False,
            choices=[(z, _(ZONE_LABELS[z])) for z in ZONES],
            widget=forms.CheckboxSelectMultiple,
        )
    raise AssertionError(kind)


TERM_KEYS = [key for key in FIELD_KINDS if key != "version"]


class TermsVersionForm(forms.ModelForm):
    """One field per terms setting, filled with the version being copied (the latest by default)."""

    class Meta:
        model = TermsVersion
        fields = ["effective_from", "note"]

    def __init__(self, *args, base=None, **kwargs):
        super().__init__(*args, **kwargs)
        values = (base or terms_in_force()).to_dict()
        for key in TERM_KEYS:
            self.fields[key].initial = values[key]
        if "note" in self.fields:
            self.fields["note"].required = True
            self.fields["effective_from"].initial = timezone.now()

    def clean(self):
        data = super().clean()
        try:
            terms_in_force().with_overrides({key: data[key] for key in TERM_KEYS if key in data})
        except ApplicationError as exc:
            raise forms.ValidationError(str(exc)) from exc
        return data


for _key in TERM_KEYS:
    TermsVersionForm.base_fields[_key] = _field(_key, FIELD_KINDS[_key])
    TermsVersionForm.declared_fields[_key] = TermsVersionForm.base_fields[_key]


def _fieldsets():
    general = [key for key in TERM_KEYS if "." not in key or key.split(".")[0] not in TIERS]
    sets = [
        (_("Version"), {"fields": ["effective_from", "note"]}),
        (_("Taxi tariff and fee table"), {"fields": general}),
    ]
    for tier in TIERS:
        keys = [key for key in TERM_KEYS if key.startswith(f"{tier}.")]
        sets.append((_(TIER_LABELS[tier]), {"fields": keys, "classes": ["collapse"]}))
    return sets


@admin.register(TermsVersion)
class TermsVersionAdmin(admin.ModelAdmin):
    """Editing the terms publishes a new version; a published version is only ever viewed."""

    list_display = ["version", "effective_from", "note", "created_by", "created_at"]
    ordering = ["-version"]
    form = TermsVersionForm

    def get_fieldsets(self, request, obj=None):
        if obj is not None:
            return [(None, {"fields": self.VIEW_FIELDS})]
        return _fieldsets()

    VIEW_FIELDS = ["version", "effective_from", "note", "created_by", "created_at", "copy", "data"]

    def get_readonly_fields(self, request, obj=None):
        return self.VIEW_FIELDS if obj is not None else []

    @admin.display(description=_("change"))
    def copy(self, obj: TermsVersion):
        url = reverse("admin:service_tickets_termsversion_add") + f"?from={obj.version}"
        return format_html('<a href="{}">{}</a>', url, _("Publish a new version based on this one"))

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        source = request.GET.get("from")
        base = None
        if obj is None and source and source.isdigit():
            row = TermsVersion.objects.filter(version=int(source)).first()
            base = row.terms() if row else None

        class WithBase(form):
            def __init__(self, *args, **kw):
                super().__init__(*args, base=base, **kw)

        return WithBase

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        changes = {key: data[key] for key in TERM_KEYS}
        created = services.terms_version_create(
            changes=changes,
            by=request.user,
            effective_from=data["effective_from"],
            note=data["note"],
        )
        obj.pk, obj.version, obj.data = created.pk, created.version, created.data
        obj.created_at = created.created_at
        obj._state.adding = False
        obj._state.db = created._state.db


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    list_display = [
        "number",
        "status",
        "kind",
        "tier",
        "zone",
        "customer",
        "technician",
        "deadline",
        "at_risk_at",
        "breached_at",
        "fee",
        "page",
    ]
    list_filter = ["status", "kind", "tier", "zone", "path"]
    search_fields = ["number", "customer__name", "contract__number", "asset__asset_tag"]
    date_hierarchy = "reported_at"
    list_select_related = ["customer", "technician"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("page"))
    def page(self, obj: Ticket):
        try:
            url = reverse("service_tickets:staff_ticket", args=[obj.number])
        except NoReverseMatch:
            return ""
        return format_html('<a href="{}">{}</a>', url, _("open"))
