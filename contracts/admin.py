"""The staff console for customers, reservations and contracts.

Statuses are read-only here: they change only through the services (the reservation pages and
their buttons); the admin shows every state with its audit trail.
"""

from django.contrib import admin
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from rental.core import audit
from rental.core.audit_labels import actor_name, event_sentence

from .models import (
    Address,
    Contract,
    ContractUnit,
    Customer,
    Guarantor,
    Inspection,
    Reservation,
    ReservationLine,
    ReservationUnit,
)


class AuditTrailMixin:
    @admin.display(description=_("History"))
    def audit_trail(self, obj):
        events = audit.trail(obj)[:50]
        return format_html_join(
            "\n",
            "<div>{} · {} · {}</div>",
            (
                (f"{e.occurred_at:%Y-%m-%d %H:%M}", actor_name(e.actor), event_sentence(e))
                for e in events
            ),
        )


class AddressInline(admin.TabularInline):
    model = Address
    extra = 0
    fields = ("label", "district", "zone", "line", "distance_km", "contact_name", "is_active")
    readonly_fields = ("zone",)


class GuarantorInline(admin.TabularInline):
    model = Guarantor
    extra = 0
    fields = ("name", "id_number", "phone", "id_verified_at", "household_confirmed_at", "is_active")
    readonly_fields = ("id_verified_at", "household_confirmed_at")


@admin.register(Customer)
class CustomerAdmin(AuditTrailMixin, admin.ModelAdmin):
    list_display = ("name", "kind", "phone", "masked_identity", "created_at")
    list_filter = ("kind",)
    search_fields = ("name", "phone", "contact_person", "email")
    readonly_fields = (
        "licence_verified_at",
        "representative_id_verified_at",
        "own_id_verified_at",
        "created_by",
        "created_at",
        "audit_trail",
    )
    inlines = [AddressInline, GuarantorInline]


class ReservationLineInline(admin.TabularInline):
    model = ReservationLine
    extra = 0
    can_delete = False
    readonly_fields = ("model", "quantity", "rent")


class InspectionInline(admin.TabularInline):
    model = Inspection
    extra = 0
    can_delete = False
    readonly_fields = ("place", "starts_at", "status", "confirmed_by", "created_at")


@admin.register(Reservation)
class ReservationAdmin(AuditTrailMixin, admin.ModelAdmin):
    list_display = ("number", "customer", "status", "starts_at", "ends_at", "tier", "created_at")
    list_filter = ("status", "tier", "fulfilment")
    search_fields = ("number", "customer__name", "customer__phone")
    date_hierarchy = "starts_at"
    readonly_fields = [f.name for f in Reservation._meta.fields] + ["held_units", "audit_trail"]
    inlines = [ReservationLineInline, InspectionInline]

    @admin.display(description=_("Units"))
    def held_units(self, obj):
        units = ReservationUnit.objects.filter(line__reservation=obj).select_related("asset")
        return format_html_join(
            "\n", "<div>{} · {}</div>", ((u.asset, u.get_outcome_display()) for u in units)
        )

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ContractUnitInline(admin.TabularInline):
    model = ContractUnit
    extra = 0
    can_delete = False
    readonly_fields = ("model", "asset", "rent")
    exclude = ("calendar_entry",)


@admin.register(Contract)
class ContractAdmin(AuditTrailMixin, admin.ModelAdmin):
    list_display = ("number", "customer", "status", "starts_at", "ends_at", "tier")
    list_filter = ("status", "tier")
    search_fields = ("number", "customer__name")
    readonly_fields = [f.name for f in Contract._meta.fields] + ["audit_trail"]
    inlines = [ContractUnitInline]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
