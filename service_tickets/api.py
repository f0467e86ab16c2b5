"""Service tickets through the API: a customer calls for service on their own contract and
follows it; a technician lists and moves the tickets assigned to them; the service desk opens
tickets for a caller, dispatches them and sets deadlines. Every write is the pages' service."""

from __future__ import annotations

import django_filters
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action

from catalog.models import Asset
from contracts.models import Contract
from rental.accounts.models import User
from rental.api.actions import Empty, answer, parse

from . import services
from .models import Ticket
from .models.tickets import TicketKind, TicketStatus, WorkKind


class TicketSerializer(serializers.ModelSerializer):
    contract = serializers.SlugRelatedField(slug_field="number", read_only=True)
    customer = serializers.CharField(source="customer.name", read_only=True)
    asset_tag = serializers.CharField(source="asset.asset_tag", read_only=True, allow_null=True)
    technician = serializers.CharField(
        source="technician.username", read_only=True, allow_null=True
    )

    class Meta:
        model = Ticket
        fields = [
            "number",
            "status",
            "kind",
            "path",
            "channel",
            "description",
            "contract",
            "customer",
            "asset_tag",
            "tier",
            "zone",
            "site_address",
            "reported_at",
            "deadline",
            "deadline_source",
            "at_risk_at",
            "breached_at",
            "technician",
            "assigned_at",
            "en_route_at",
            "arrived_at",
            "resolved_at",
            "closed_at",
            "cancelled_at",
            "cancel_reason",
            "fee_low",
            "fee_high",
            "fee",
        ]
        read_only_fields = fields


class OpenSerializer(serializers.Serializer):
    contract = serializers.CharField(max_length=20, help_text="The contract's number")
    asset_tag = serializers.CharField(max_length=32, help_text="The unit's asset tag")
    kind = serializers.ChoiceField(choices=TicketKind.choices)
    description = serializers.CharField(max_length=2000)
    reported_at = serializers.DateTimeField(
        required=False, help_text="Staff only: when the call came in (default now)"
    )


class AssignSerializer(serializers.Serializer):
    technician = serializers.CharField(max_length=150, help_text="The technician's username")


class DeadlineSerializer(serializers.Serializer):
    deadline = serializers.DateTimeField()


class ResolveSerializer(serializers.Serializer):
    notes = serializers.CharField(max_length=4000)
    units = serializers.ListField(
        child=serializers.CharField(max_length=32), max_length=50, help_text="Asset tags"
    )
    parts = serializers.CharField(max_length=2000, required=False, default="")
    work_kind = serializers.ChoiceField(choices=WorkKind.choices, required=False)


class TicketCancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300)


class CloseSerializer(serializers.Serializer):
    fee = serializers.DecimalField(max_digits=10, decimal_places=2, min_value=0)


class TicketFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=TicketStatus.choices)

    class Meta:
        model = Ticket
        fields = ["status"]


class TicketViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Tickets: customers see theirs, technicians those assigned to them, staff all."""

    roles = ("customer", "technician", "staff")
    action_roles = {
        "create": ("customer", "staff"),
        "assign": ("staff",),
        "deadline": ("staff",),
        "en_route": ("technician", "staff"),
        "arrive": ("technician", "staff"),
        "resolve": ("technician", "staff"),
        "close": ("technician", "staff"),
        "cancel": ("customer", "staff"),
    }
    scope = "tickets"
    serializer_class = TicketSerializer
    lookup_field = "number"
    filterset_class = TicketFilter
    queryset = Ticket.objects.none()

    def get_queryset(self):
        user = self.request.user
        tickets = Ticket.objects.select_related(
            "customer", "contract", "asset", "technician"
        ).order_by("-reported_at", "-id")
        if user.is_staff_member:
            return tickets
        if user.is_technician:
            return tickets.filter(technician=user)
        return tickets.filter(customer__user=user)

    @extend_schema(request=OpenSerializer, responses={201: TicketSerializer})
    def create(self, request):
        """Call for service on a contract's unit; staff record a phone call (叫修)."""
        data = parse(OpenSerializer, request)
        user = request.user
        contracts = Contract.objects.select_related("customer")
        if not user.is_staff_member:
            contracts = contracts.filter(customer__user=user)
        contract = get_object_or_404(contracts, number=data["contract"])
        asset = get_object_or_404(
            Asset.objects.filter(contractunit__contract=contract), asset_tag=data["asset_tag"]
        )
        if user.is_staff_member:
            ticket = services.ticket_open_by_staff(
                contract=contract,
                asset=asset,
                kind=data["kind"],
                description=data["description"],
                reported_at=data.get("reported_at"),
                by=user,
            )
        else:
            ticket = services.ticket_open(
                contract=contract,
                asset=asset,
                kind=data["kind"],
                description=data["description"],
                by=user,
            )
        return answer(self, ticket, status=201)

    @extend_schema(request=AssignSerializer, responses=TicketSerializer)
    @action(detail=True, methods=["post"])
    def assign(self, request, number=None):
        """Dispatch to a technician."""
        data = parse(AssignSerializer, request)
        technician = get_object_or_404(
            User.objects.filter(role=User.Role.TECHNICIAN), username=data["technician"]
        )
        ticket = services.ticket_assign(
            ticket=self.get_object(), technician=technician, by=request.user
        )
        return answer(self, ticket)

    @extend_schema(request=DeadlineSerializer, responses=TicketSerializer)
    @action(detail=True, methods=["post"])
    def deadline(self, request, number=None):
        """Set the on-site deadline by hand where the terms give none."""
        data = parse(DeadlineSerializer, request)
        ticket = services.ticket_set_deadline(
            ticket=self.get_object(), deadline=data["deadline"], by=request.user
        )
        return answer(self, ticket)

    @extend_schema(request=Empty, responses=TicketSerializer)
    @action(detail=True, methods=["post"], url_path="en-route")
    def en_route(self, request, number=None):
        return answer(self, services.ticket_en_route(ticket=self.get_object(), by=request.user))

    @extend_schema(request=Empty, responses=TicketSerializer)
    @action(detail=True, methods=["post"])
    def arrive(self, request, number=None):
        ticket = self.get_object()
        services.ticket_arrive(ticket=ticket, by=request.user)
        ticket.refresh_from_db()
        return answer(self, ticket)

    @extend_schema(request=ResolveSerializer, responses=TicketSerializer)
    @action(detail=True, methods=["post"])
    def resolve(self, request, number=None):
        data = parse(ResolveSerializer, request)
        ticket = self.get_object()
        units = list(Asset.objects.filter(asset_tag__in=data["units"]))
        if len(units) != len(set(data["units"])):
            raise serializers.ValidationError({"units": [_unknown_units()]})
        ticket = services.ticket_resolve(
            ticket=ticket,
            by=request.user,
            notes=data["notes"],
            units=units,
            parts=data["parts"],
            work_kind=data.get("work_kind"),
        )
        return answer(self, ticket)

    @extend_schema(request=CloseSerializer, responses=TicketSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, number=None):
        """Close with the fee chosen inside the ticket's range (the range is enforced)."""
        data = parse(CloseSerializer, request)
        ticket = services.ticket_close(ticket=self.get_object(), by=request.user, fee=data["fee"])
        return answer(self, ticket)

    @extend_schema(request=TicketCancelSerializer, responses=TicketSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, number=None):
        """A customer cancels their own ticket while nobody is on the way yet; staff cancel
        any open ticket."""
        data = parse(TicketCancelSerializer, request)
        ticket = services.ticket_cancel(
            ticket=self.get_object(), by=request.user, reason=data["reason"]
        )
        return answer(self, ticket)


def _unknown_units() -> str:
    from django.utils.translation import gettext

    return gettext("Some of these asset tags are not known.")


ROUTES = [("tickets", TicketViewSet, "ticket")]
