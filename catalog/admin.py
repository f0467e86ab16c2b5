"""The staff console for the catalogue: models and photos, units, their calendar, imports, labels.

Service status changes go through `services.asset_set_service_status` (never a form field), the
calendar is read-only here (entries are placed and released by the reservation services), and
the calendar page and the import page are extra admin views behind the admin's own login and
permission checks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from rental.core.errors import ApplicationError
from rental.core.money import format_cny
from rental.core.params import parse_day
from rental.core.timeutil import SHANGHAI

from . import labels, selectors, services
from .forms import AssetImportForm, EquipmentModelForm
from .imports import ImportRejected, assets_import
from .models import Asset, Brand, CalendarEntry, Category, Depot, EquipmentModel, ModelPhoto

CALENDAR_DAYS = 28


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("name_zh", "name_en", "slug", "position")
    list_editable = ("position",)
    search_fields = ("name_zh", "name_en", "slug")
    prepopulated_fields = {"slug": ("name_en",)}


@admin.register(Brand)
class BrandAdmin(admin.ModelAdmin):
    list_display = ("name", "name_zh", "slug")
    search_fields = ("name", "name_zh", "slug")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Depot)
class DepotAdmin(admin.ModelAdmin):
    list_display = ("name", "address")
    search_fields = ("name", "address")


class ModelPhotoInline(admin.TabularInline):
    model = ModelPhoto
    fields = ("image", "caption", "position")
    extra = 1


@admin.register(EquipmentModel)
class EquipmentModelAdmin(admin.ModelAdmin):
    form = EquipmentModelForm
    inlines = [ModelPhotoInline]
    list_display = (
        "name",
        "brand",
        "category",
        "day_rate_display",
        "units_in_service",
        "is_active",
        "calendar_link",
    )
    list_filter = ("category", "brand", "is_active")
    search_fields = ("name", "slug", "brand__name", "brand__name_zh")
    list_select_related = ("brand", "category")
    prepopulated_fields = {"slug": ("name",)}
    readonly_fields = ("calendar_link",)
    fieldsets = (
        (None, {"fields": ("category", "brand", "name", "slug", "is_active", "calendar_link")}),
        (_("Description"), {"fields": ("summary_zh", "summary_en", "specs", "accessories")}),
        (_("Rate card"), {"fields": ("hour_rate", "day_rate", "week_rate", "month_rate")}),
        (_("Value and deposit"), {"fields": ("replacement_value", "deposit_amount")}),
    )

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                in_service_count=Count(
                    "assets", filter=Q(assets__service_status=Asset.ServiceStatus.IN_SERVICE)
                )
            )
        )

    @admin.display(description=_("rent per day"), ordering="day_rate")
    def day_rate_display(self, obj: EquipmentModel) -> str:
        return format_cny(obj.day_rate)

    @admin.display(description=_("units in service"), ordering="in_service_count")
    def units_in_service(self, obj: EquipmentModel) -> int:
        return getattr(obj, "in_service_count", 0)

    @admin.display(description=_("calendar"))
    def calendar_link(self, obj: EquipmentModel) -> str:
        if not obj.pk:
            return "–"
        url = reverse("admin:catalog_equipmentmodel_calendar", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, gettext("Unit calendar"))

    def get_urls(self):
        return [
            path(
                "<int:model_id>/calendar/",
                self.admin_site.admin_view(self.calendar_view),
                name="catalog_equipmentmodel_calendar",
            ),
            *super().get_urls(),
        ]

    def calendar_view(self, request: HttpRequest, model_id: int) -> HttpResponse:
        """Each unit of the model as a row, its calendar entries as bars over four weeks."""
        model = get_object_or_404(EquipmentModel.objects.select_related("brand"), pk=model_id)
        if not self.has_view_permission(request, model):
            raise PermissionDenied
        since = _calendar_start(request.GET.get("from"))
        until = since + timedelta(days=CALENDAR_DAYS)
        timeline = selectors.model_timeline(model=model, since=since, until=until)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": model,
            "title": gettext("Unit calendar: %(model)s") % {"model": model},
            "model": model,
            "days": [_calendar_day(since + timedelta(days=i)) for i in range(CALENDAR_DAYS)],
            "rows": [_calendar_row(asset, entries, since, until) for asset, entries in timeline],
            "since": since,
            "until": until - timedelta(seconds=1),
            "previous": (since - timedelta(days=CALENDAR_DAYS)).date().isoformat(),
            "next": until.date().isoformat(),
            "today": timezone.localdate().isoformat(),
            "kinds": CalendarEntry.Kind.choices,
            "now_left": _now_left(since, until),
        }
        return render(request, "admin/catalog/equipmentmodel/calendar.html", context)


@dataclass(frozen=True)
class CalendarBar:
    entry: CalendarEntry
    left: float  # percent of the window where the blocked range starts
    width: float
    core_left: float  # the customer's period inside the bar, in percent of the bar
    core_width: float
    url: str


# One character in Chinese, two letters in English: the day columns are narrow.
WEEKDAY_SHORT = (
    pgettext_lazy("weekday, short", "Mo"),
    pgettext_lazy("weekday, short", "Tu"),
    pgettext_lazy("weekday, short", "We"),
    pgettext_lazy("weekday, short", "Th"),
    pgettext_lazy("weekday, short", "Fr"),
    pgettext_lazy("weekday, short", "Sa"),
    pgettext_lazy("weekday, short", "Su"),
)


def _calendar_day(day: datetime) -> dict:
    return {"date": day, "weekday": WEEKDAY_SHORT[day.weekday()], "weekend": day.weekday() >= 5}


def _calendar_start(value: str | None) -> datetime:
    day = parse_day(value) or timezone.localdate()
    return datetime.combine(day, datetime.min.time(), SHANGHAI)


def _now_left(since: datetime, until: datetime) -> float | None:
    now = timezone.now()
    if not since <= now < until:
        return None
    return round((now - since).total_seconds() / (until - since).total_seconds() * 100, 3)


def _calendar_row(asset: Asset, entries, since: datetime, until: datetime) -> dict:
    span = (until - since).total_seconds()

    def percent(moment: datetime) -> float:
        moment = min(max(moment, since), until)
        return round((moment - since).total_seconds() / span * 100, 3)

    bars = []
    for entry in entries:
        lower = entry.blocked.lower or entry.starts_at
        upper = entry.blocked.upper or entry.ends_at
        left, right = percent(lower), percent(upper)
        width = max(right - left, 0.2)
        core_left = (percent(entry.starts_at) - left) / width * 100 if width else 0
        core_width = (percent(entry.ends_at) - percent(entry.starts_at)) / width * 100
        bars.append(
            CalendarBar(
                entry=entry,
                left=left,
                width=width,
                core_left=round(max(core_left, 0), 3),
                core_width=round(min(max(core_width, 0), 100), 3),
                url=reverse("admin:catalog_calendarentry_change", args=[entry.pk]),
            )
        )
    return {"asset": asset, "bars": bars}


@admin.register(Asset)
class AssetAdmin(admin.ModelAdmin):
    list_display = (
        "asset_tag",
        "serial_number",
        "model",
        "depot",
        "service_status",
        "acquired_on",
        "purchase_cost",
    )
    list_filter = ("service_status", "depot", ("model", admin.RelatedOnlyFieldListFilter))
    search_fields = ("serial_number", "asset_tag")
    list_select_related = ("model__brand", "depot")
    autocomplete_fields = ("model",)
    readonly_fields = ("service_status",)
    actions = ("print_labels", "mark_in_repair", "mark_in_service", "mark_retired")
    list_per_page = 100

    def get_urls(self):
        return [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="catalog_asset_import",
            ),
            *super().get_urls(),
        ]

    @admin.action(description=_("Print labels"), permissions=["view"])
    def print_labels(self, request: HttpRequest, queryset) -> HttpResponse:
        return labels.render_labels(request, queryset.select_related("model__brand"))

    @admin.action(description=_("Mark in repair"), permissions=["change"])
    def mark_in_repair(self, request, queryset):
        self._set_status(request, queryset, Asset.ServiceStatus.IN_REPAIR)

    @admin.action(description=_("Mark in service"), permissions=["change"])
    def mark_in_service(self, request, queryset):
        self._set_status(request, queryset, Asset.ServiceStatus.IN_SERVICE)

    @admin.action(description=_("Retire"), permissions=["change"])
    def mark_retired(self, request, queryset):
        self._set_status(request, queryset, Asset.ServiceStatus.RETIRED)

    def _set_status(self, request, queryset, status: Asset.ServiceStatus) -> None:
        changed = 0
        for asset in queryset.order_by("pk"):
            before = asset.service_status
            try:
                services.asset_set_service_status(asset=asset, status=status, by=request.user)
            except ApplicationError as exc:
                self.message_user(request, f"{asset.asset_tag}: {exc.message}", messages.ERROR)
                continue
            changed += before != status
        label = Asset.ServiceStatus(status).label
        self.message_user(
            request,
            ngettext(
                "%(count)d unit set to “%(status)s”.",
                "%(count)d units set to “%(status)s”.",
                changed,
            )
            % {"count": changed, "status": label},
            messages.SUCCESS,
        )

    def import_view(self, request: HttpRequest) -> HttpResponse:
        """Upload a .csv or .xlsx of units; every row is checked and the file imported whole."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        errors: list = []
        problem = None
        if request.method == "POST":
            form = AssetImportForm(request.POST, request.FILES)
            if form.is_valid():
                upload = form.cleaned_data["file"]
                try:
                    result = assets_import(file=upload, filename=upload.name, by=request.user)
                except ImportRejected as exc:
                    problem, errors = exc.message, exc.errors
                else:
                    self.message_user(
                        request,
                        ngettext(
                            "Imported %(count)d unit.", "Imported %(count)d units.", result.count
                        )
                        % {"count": result.count},
                        messages.SUCCESS,
                    )
                    return HttpResponseRedirect(reverse("admin:catalog_asset_changelist"))
        else:
            form = AssetImportForm()
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": gettext("Import assets"),
            "form": form,
            "problem": problem,
            "errors": errors,
        }
        status = 400 if problem or form.errors else 200
        return render(request, "admin/catalog/asset/import.html", context, status=status)


@admin.register(CalendarEntry)
class CalendarEntryAdmin(admin.ModelAdmin):
    """History and present of the asset calendar, to read: services write it."""

    list_display = ("asset", "kind", "starts_at", "ends_at", "is_active", "released_at", "note")
    list_filter = ("kind", "is_active")
    search_fields = ("asset__asset_tag", "asset__serial_number", "note")
    list_select_related = ("asset",)
    date_hierarchy = "starts_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
