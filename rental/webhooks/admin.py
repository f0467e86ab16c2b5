"""Webhooks in the console (managers): allowed hosts, endpoints, the event outbox and the
delivery log with every attempt; finished deliveries can be replayed."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import services
from .events import choices as event_choices
from .models import AllowedHost, Attempt, Delivery, Endpoint, Event


@admin.register(AllowedHost)
class AllowedHostAdmin(admin.ModelAdmin):
    list_display = ("host", "note", "created_at")
    search_fields = ("host", "note")


class EndpointForm(forms.ModelForm):
    events = forms.MultipleChoiceField(
        label=_("events"),
        # The code beside the name: it is what the receiver finds in X-Rental-Event.
        choices=lambda: [(code, f"{label} · {code}") for code, label in event_choices()],
        widget=forms.CheckboxSelectMultiple(attrs={"class": "radiolist"}),
    )

    class Meta:
        model = Endpoint
        fields = ["name", "url", "events", "secret", "is_active"]


@admin.register(Endpoint)
class EndpointAdmin(admin.ModelAdmin):
    form = EndpointForm
    list_display = ("name", "url", "event_list", "is_active", "created_at", "created_by")
    list_filter = ("is_active",)
    search_fields = ("name", "url")
    readonly_fields = ("created_at", "created_by")

    @admin.display(description=_("events"))
    def event_list(self, obj) -> str:
        return ", ".join(obj.events)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


class AttemptInline(admin.TabularInline):
    model = Attempt
    extra = 0
    can_delete = False
    fields = (
        "number",
        "started_at",
        "finished_at",
        "outcome",
        "status_code",
        "error",
        "response_body",
    )
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Delivery)
class DeliveryAdmin(_ReadOnly):
    """The delivery log: one row per event and endpoint (and per replay), its attempts inside."""

    list_display = (
        "created_at",
        "event_type",
        "endpoint",
        "status",
        "attempts",
        "last_code",
        "next_attempt_at",
        "delivered_at",
        "replay_of",
    )
    list_filter = ("status", "endpoint", "event__type")
    search_fields = ("event__uuid", "endpoint__name")
    date_hierarchy = "created_at"
    list_select_related = ("event", "endpoint")
    inlines = [AttemptInline]
    actions = ["replay"]
    fields = (
        "event",
        "endpoint",
        "status",
        "attempts",
        "next_attempt_at",
        "lease_until",
        "delivered_at",
        "created_at",
        "replay_of",
    )
    readonly_fields = fields

    @admin.display(description=_("event"))
    def event_type(self, obj) -> str:
        return obj.event.type

    @admin.display(description=_("last response code"))
    def last_code(self, obj):
        last = obj.attempt_log.order_by("-number").first()
        return last.status_code if last else None

    def has_replay_permission(self, request):
        return request.user.has_perm("webhooks.add_delivery")

    @admin.action(description=_("Replay the selected deliveries"), permissions=["replay"])
    def replay(self, request, queryset):
        count = 0
        for delivery in queryset:
            if not delivery.can_replay():
                continue
            services.delivery_replay(delivery=delivery, by=request.user)
            count += 1
        self.message_user(
            request,
            ngettext(
                "%(count)d delivery will be sent again.",
                "%(count)d deliveries will be sent again.",
                count,
            )
            % {"count": count},
            messages.SUCCESS if count else messages.WARNING,
        )


class DeliveryInline(admin.TabularInline):
    model = Delivery
    fk_name = "event"
    extra = 0
    can_delete = False
    fields = ("endpoint", "status", "attempts", "delivered_at", "replay_of")
    readonly_fields = fields
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Event)
class EventAdmin(_ReadOnly):
    list_display = ("created_at", "type", "uuid")
    list_filter = ("type",)
    search_fields = ("uuid",)
    date_hierarchy = "created_at"
    fields = ("uuid", "type", "payload", "created_at")
    readonly_fields = fields
    inlines = [DeliveryInline]
