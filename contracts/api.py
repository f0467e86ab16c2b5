"""Reservations, quotes, contracts and the service desk's customer lookup through the API.

Serializers parse and format; every rule is the services' and selectors' that the pages call.
Customers see only their own objects (querysets filter by owner), staff see all.
"""

from __future__ import annotations

from decimal import Decimal

import django_filters
from django.conf import settings
from django.shortcuts import get_object_or_404
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, renderers, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from catalog.models import EquipmentModel
from catalog.pricing import rent_line_text
from rental.api.actions import Empty, answer, parse
from rental.api.permissions import token_scopes
from rental.core.errors import ApplicationError, WrongState
from rental.core.phones import clean_phone

from . import selectors, services
from .api_documents import DocumentViewSet
from .models import (
    Address,
    Contract,
    Customer,
    DepositEntry,
    Inspection,
    Payment,
    Reservation,
    ReservationUnit,
)
from .models.choices import TIER_CHOICES
from .models.contracts import ReturnCondition, SignedPlace
from .models.customers import District
from .models.reservations import Fulfilment
from .money_text import charge_text, deposit_text
from .services.distance import contract_confirm_distance
from .services.settlement import contract_write_off
from .views.contracts import contract_pdf

# --- reservations and quotes ------------------------------------------------------------------


class ItemSerializer(serializers.Serializer):
    model = serializers.SlugField(max_length=160, help_text="The model's slug")
    quantity = serializers.IntegerField(min_value=1, max_value=500)


class RequestSerializer(serializers.Serializer):
    items = ItemSerializer(many=True, min_length=1, max_length=20)
    start = serializers.DateTimeField(help_text="On the hour")
    end = serializers.DateTimeField(help_text="On the hour, after the start")
    fulfilment = serializers.ChoiceField(choices=Fulfilment.choices)
    tier = serializers.ChoiceField(choices=TIER_CHOICES)
    address = serializers.IntegerField(
        required=False, allow_null=True, help_text="One of the customer's address ids"
    )
    customer = serializers.IntegerField(
        required=False, help_text="Staff only: the customer reserved for"
    )


class RentItemSerializer(serializers.Serializer):
    """One line of the cheapest cover: the facts, and the line as the pages word it."""

    unit = serializers.ChoiceField(choices=["month", "week", "day", "hour"])
    count = serializers.IntegerField()
    rate = serializers.DecimalField(max_digits=12, decimal_places=2)
    label = serializers.SerializerMethodField()

    def get_label(self, item) -> str:
        return rent_line_text(item)


class QuoteLineSerializer(serializers.Serializer):
    model_id = serializers.IntegerField()
    name = serializers.CharField()
    quantity = serializers.IntegerField()
    rent_per_unit = serializers.DecimalField(max_digits=12, decimal_places=2)
    rent = serializers.DecimalField(max_digits=12, decimal_places=2)
    breakdown = RentItemSerializer(many=True)
    deposit_per_unit = serializers.DecimalField(max_digits=12, decimal_places=2)


class QuoteSerializer(serializers.Serializer):
    lines = QuoteLineSerializer(many=True)
    rent = serializers.DecimalField(max_digits=12, decimal_places=2)
    delivery_fee = serializers.DecimalField(max_digits=12, decimal_places=2)
    pickup_fee = serializers.DecimalField(max_digits=12, decimal_places=2)
    delivery_explanation = serializers.CharField()
    deposit = serializers.DecimalField(max_digits=12, decimal_places=2)
    deposit_waived = serializers.BooleanField()
    waiver_missing = serializers.ListField(child=serializers.CharField())
    total = serializers.DecimalField(max_digits=12, decimal_places=2)


class InspectionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Inspection
        fields = ["place", "starts_at", "status"]
        read_only_fields = fields


class ReservationLineSerializer(serializers.Serializer):
    model = serializers.CharField(source="model.slug")
    quantity = serializers.IntegerField()
    rent_per_unit = serializers.DecimalField(max_digits=12, decimal_places=2, source="rent")


class ReservationSerializer(serializers.ModelSerializer):
    start = serializers.DateTimeField(source="starts_at", read_only=True)
    end = serializers.DateTimeField(source="ends_at", read_only=True)
    lines = ReservationLineSerializer(many=True, read_only=True)
    quote = serializers.SerializerMethodField()
    inspection = serializers.SerializerMethodField()
    customer = serializers.IntegerField(source="customer_id", read_only=True)
    contract = serializers.SerializerMethodField(
        help_text="The draft contract made from the units accepted at the inspection"
    )

    class Meta:
        model = Reservation
        fields = [
            "number",
            "status",
            "customer",
            "start",
            "end",
            "fulfilment",
            "address",
            "tier",
            "lines",
            "quote",
            "hold_expires_at",
            "inspection",
            "contract",
            "created_at",
            "closed_at",
        ]
        read_only_fields = fields

    def get_contract(self, reservation) -> str | None:
        contract = getattr(reservation, "contract", None)
        return contract.number if contract else None

    @extend_schema_field(QuoteSerializer)
    def get_quote(self, reservation) -> dict:
        return QuoteSerializer(reservation.quote).data

    @extend_schema_field(InspectionSerializer(allow_null=True))
    def get_inspection(self, reservation):
        active = [i for i in reservation.inspections.all() if i.status in ("booked", "confirmed")]
        return InspectionSerializer(active[0]).data if active else None


class BookInspectionSerializer(serializers.Serializer):
    place = serializers.ChoiceField(choices=Inspection.Place.choices)
    starts_at = serializers.DateTimeField(required=False, help_text="Showroom: a free slot")


class OutcomeSerializer(serializers.Serializer):
    accepted_units = serializers.ListField(
        child=serializers.CharField(max_length=32), help_text="Asset tags the customer accepts"
    )
    reason = serializers.CharField(max_length=300, required=False, default="")


class CancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300, required=False, default="")


def _customer_of(user) -> Customer:
    customer = Customer.objects.filter(user=user).first()
    if customer is None:
        raise ApplicationError(
            _("Complete your customer profile before reserving."), code="no_profile"
        )
    return customer


def _address_of(customer: Customer, pk: int) -> Address:
    address = Address.objects.filter(pk=pk, customer=customer).first()
    if address is None:
        raise ValidationError({"address": [_("That address is not one of yours.")]})
    return address


def _items(data: dict) -> tuple[services.ReservationItem, ...]:
    slugs = [item["model"] for item in data["items"]]
    models = {m.slug: m for m in EquipmentModel.objects.filter(slug__in=slugs)}
    unknown = [slug for slug in slugs if slug not in models]
    if unknown:
        raise ValidationError({"items": [_("Unknown model: %(slug)s") % {"slug": unknown[0]}]})
    return tuple(
        services.ReservationItem(model=models[item["model"]], quantity=item["quantity"])
        for item in data["items"]
    )


def _request(data: dict, user) -> services.ReservationRequest:
    """The service's request object from the parsed input, objects looked up by owner."""
    if user.is_staff_member:
        if "customer" not in data:
            raise ValidationError({"customer": [_("Choose the customer.")]})
        customer = get_object_or_404(Customer, pk=data["customer"])
    else:
        customer = _customer_of(user)
    address = None
    if data.get("address") is not None:
        address = _address_of(customer, data["address"])
    return services.ReservationRequest(
        customer=customer,
        items=_items(data),
        starts_at=data["start"],
        ends_at=data["end"],
        fulfilment=data["fulfilment"],
        address=address,
        tier=data["tier"],
    )


class ReservationFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Reservation.Status.choices)

    class Meta:
        model = Reservation
        fields = ["status"]


class ReservationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """A customer's own reservations (staff: everyone's): create, cancel, book the inspection;
    staff record what the customer decided at the inspection."""

    roles = ("customer", "staff")
    action_roles = {"outcome": ("staff",), "confirm_inspection": ("staff",)}
    scope = "reservations"
    serializer_class = ReservationSerializer
    lookup_field = "number"
    filterset_class = ReservationFilter
    queryset = Reservation.objects.none()

    def get_queryset(self):
        reservations = (
            Reservation.objects.select_related("contract")
            .prefetch_related("lines__model", "inspections")
            .order_by("-created_at", "-id")
        )
        if self.request.user.is_staff_member:
            return reservations
        return reservations.filter(customer__user=self.request.user)

    @extend_schema(request=RequestSerializer, responses={201: ReservationSerializer})
    def create(self, request):
        """Hold units for every line, all or nothing, at the quoted price."""
        data = parse(RequestSerializer, request)
        reservation = services.reservation_create(
            request=_request(data, request.user), by=request.user
        )
        return answer(self, self.get_queryset().get(pk=reservation.pk), status=201)

    @extend_schema(request=CancelSerializer, responses=ReservationSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, number=None):
        data = parse(CancelSerializer, request)
        reservation = services.reservation_cancel(
            reservation=self.get_object(), by=request.user, reason=data["reason"]
        )
        return answer(self, self.get_queryset().get(pk=reservation.pk))

    @extend_schema(request=BookInspectionSerializer, responses=ReservationSerializer)
    @action(detail=True, methods=["post"])
    def inspection(self, request, number=None):
        """Book (or move) the inspection: a showroom slot, or at the site on delivery."""
        data = parse(BookInspectionSerializer, request)
        reservation = self.get_object()
        services.inspection_book(
            reservation=reservation,
            place=data["place"],
            starts_at=data.get("starts_at"),
            by=request.user,
        )
        return answer(self, self.get_queryset().get(pk=reservation.pk))

    @extend_schema(request=Empty, responses=ReservationSerializer)
    @action(detail=True, methods=["post"], url_path="inspection/confirm")
    def confirm_inspection(self, request, number=None):
        """Staff confirm the booked inspection (the showroom slot or the visit is on)."""
        reservation = self.get_object()
        inspection = selectors.active_inspection(reservation)
        if inspection is None:
            raise WrongState(_("There is no inspection booked."), code="no_inspection")
        services.inspection_confirm(inspection=inspection, by=request.user)
        return answer(self, self.get_queryset().get(pk=reservation.pk))

    @extend_schema(request=OutcomeSerializer, responses=ReservationSerializer)
    @action(detail=True, methods=["post"])
    def outcome(self, request, number=None):
        """Record the inspection's outcome: the units accepted go onto a draft contract."""
        data = parse(OutcomeSerializer, request)
        reservation = self.get_object()
        held = dict(
            ReservationUnit.objects.filter(
                line__reservation=reservation, outcome=ReservationUnit.Outcome.HELD
            ).values_list("asset__asset_tag", "pk")
        )
        unknown = [tag for tag in data["accepted_units"] if tag not in held]
        if unknown:
            raise ValidationError(
                {
                    "accepted_units": [
                        _("Not held for this reservation: %(tag)s") % {"tag": unknown[0]}
                    ]
                }
            )
        services.inspection_record_outcome(
            reservation=reservation,
            accepted_unit_ids=[held[tag] for tag in data["accepted_units"]],
            reason=data["reason"],
            by=request.user,
        )
        return answer(self, self.get_queryset().get(pk=reservation.pk))


class QuoteRequestSerializer(RequestSerializer):
    district = serializers.ChoiceField(
        choices=District.choices,
        required=False,
        help_text="Without an address (a partner's website): where delivery goes",
    )
    distance_km = serializers.DecimalField(
        max_digits=6,
        decimal_places=1,
        min_value=Decimal("0"),
        max_value=Decimal("2000"),
        required=False,
        help_text="Road distance from our depot; default: the district's estimate",
    )


class QuoteViewSet(viewsets.GenericViewSet):
    """Price a request without holding anything: rent per line explained, trips, deposit.

    Public: a partner's website quotes without a token, giving the delivery site as a district
    (and distance). A signed-in customer's quote also says whether their deposit is waived."""

    permission_classes = [AllowAny]
    serializer_class = QuoteSerializer
    filter_backends = []

    def _customer(self, data: dict) -> Customer | None:
        request = self.request
        user = request.user
        if not user.is_authenticated or "reservations:read" not in token_scopes(request):
            return None
        if user.is_staff_member:
            return get_object_or_404(Customer, pk=data["customer"]) if "customer" in data else None
        return Customer.objects.filter(user=user).first() if user.is_customer else None

    @extend_schema(request=QuoteRequestSerializer, responses=QuoteSerializer)
    def create(self, request):
        data = parse(QuoteRequestSerializer, request)
        customer = self._customer(data)
        address = None
        if data["fulfilment"] == Fulfilment.DELIVERY:
            if customer is not None and data.get("address") is not None:
                address = _address_of(customer, data["address"])
            elif "district" in data:
                address = services.quote_site(
                    district=data["district"], distance_km=data.get("distance_km")
                )
            else:
                raise ValidationError(
                    {"district": [_("Give the delivery address, or the district it is in.")]}
                )
        quote = services.reservation_quote(
            request=services.ReservationRequest(
                customer=customer,
                items=_items(data),
                starts_at=data["start"],
                ends_at=data["end"],
                fulfilment=data["fulfilment"],
                address=address,
                tier=data["tier"],
            )
        )
        return Response(QuoteSerializer(quote.to_dict()).data)


# --- addresses ------------------------------------------------------------------------------------


class AddressSerializer(serializers.ModelSerializer):
    customer = serializers.IntegerField(source="customer_id", read_only=True)
    district_name = serializers.CharField(source="get_district_display", read_only=True)

    class Meta:
        model = Address
        fields = [
            "id",
            "customer",
            "label",
            "district",
            "district_name",
            "zone",
            "line",
            "distance_km",
            "contact_name",
            "contact_phone",
        ]
        read_only_fields = fields


class AddressFilter(django_filters.FilterSet):
    customer = django_filters.NumberFilter(field_name="customer_id", help_text="Staff: whose")

    class Meta:
        model = Address
        fields = ["customer"]


class AddressViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Delivery addresses in use, for a reservation's `address`: a customer's own, staff all."""

    roles = ("customer", "staff")
    scope = "reservations"
    serializer_class = AddressSerializer
    filterset_class = AddressFilter
    queryset = Address.objects.none()

    def get_queryset(self):
        addresses = Address.objects.filter(is_active=True).order_by("customer_id", "id")
        if self.request.user.is_staff_member:
            return addresses
        return addresses.filter(customer__user=self.request.user)


# --- the service desk's lookup ------------------------------------------------------------------


class UnitSerializer(serializers.Serializer):
    asset_tag = serializers.CharField(source="asset.asset_tag")
    model = serializers.CharField(source="model.slug")
    handed_over_at = serializers.DateTimeField(allow_null=True)
    returned_at = serializers.DateTimeField(allow_null=True)


class ContractBriefSerializer(serializers.ModelSerializer):
    units = UnitSerializer(many=True, read_only=True)

    class Meta:
        model = Contract
        fields = ["number", "status", "tier", "starts_at", "ends_at", "units"]
        read_only_fields = fields


class CustomerSerializer(serializers.ModelSerializer):
    contracts = serializers.SerializerMethodField()

    class Meta:
        model = Customer
        fields = ["id", "name", "kind", "phone", "contracts"]
        read_only_fields = fields

    @extend_schema_field(ContractBriefSerializer(many=True))
    def get_contracts(self, customer):
        open_ones = [c for c in customer.contracts.all() if c.status in ("signed", "active")]
        return ContractBriefSerializer(open_ones, many=True).data


class CustomerFilter(django_filters.FilterSet):
    phone = django_filters.CharFilter(method="by_phone", max_length=30, help_text="Any format")

    class Meta:
        model = Customer
        fields = ["phone"]

    def by_phone(self, queryset, name, value):
        try:
            return queryset.filter(phone=clean_phone(value))
        except ApplicationError:
            return queryset.none()


class CustomerViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Staff find a caller by phone number, with the contracts they can call for service on."""

    roles = ("staff",)
    scope = "tickets"
    serializer_class = CustomerSerializer
    filterset_class = CustomerFilter
    queryset = Customer.objects.prefetch_related(
        "contracts__units__asset", "contracts__units__model"
    ).order_by("name", "id")


# --- contracts ------------------------------------------------------------------------------------


class ContractSerializer(serializers.ModelSerializer):
    customer = serializers.IntegerField(source="customer_id", read_only=True)
    units = UnitSerializer(many=True, read_only=True)

    class Meta:
        model = Contract
        fields = [
            "number",
            "status",
            "customer",
            "starts_at",
            "ends_at",
            "fulfilment",
            "tier",
            "zone",
            "distance_km",
            "distance_confirmed_at",
            "deposit_waived",
            "deposit_amount",
            "signed_at",
            "handed_over_at",
            "returned_at",
            "closed_at",
            "units",
        ]
        read_only_fields = fields


class LineSerializer(serializers.Serializer):
    description = serializers.CharField()
    amount = serializers.DecimalField(max_digits=12, decimal_places=2)
    created_at = serializers.DateTimeField()


class PaymentLineSerializer(serializers.Serializer):
    amount = serializers.DecimalField(max_digits=12, decimal_places=2)
    method = serializers.CharField()
    received_at = serializers.DateTimeField()


class StatementSerializer(serializers.Serializer):
    charges = LineSerializer(many=True)
    payments = PaymentLineSerializer(many=True)
    charged = serializers.DecimalField(max_digits=12, decimal_places=2)
    paid = serializers.DecimalField(max_digits=12, decimal_places=2)
    balance = serializers.DecimalField(max_digits=12, decimal_places=2)


class DepositEntrySerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=DepositEntry.Kind.choices)
    description = serializers.CharField(help_text="The ledger line as the statement page words it")
    amount = serializers.DecimalField(max_digits=12, decimal_places=2)
    recorded_at = serializers.DateTimeField()


class DepositLedgerSerializer(serializers.Serializer):
    entries = DepositEntrySerializer(many=True)
    held = serializers.DecimalField(
        max_digits=12, decimal_places=2, help_text="What we hold for the customer now"
    )


class PdfQuerySerializer(serializers.Serializer):
    lang = serializers.ChoiceField(
        choices=settings.LANGUAGES,
        required=False,
        help_text="The printed contract's language (default: Accept-Language)",
    )


class PdfRenderer(renderers.BaseRenderer):
    """Lets a client ask for `Accept: application/pdf`; the PDF itself is a plain response, so
    what this renders is only ever an error body, sent as the JSON it is."""

    media_type = "application/pdf"
    format = "pdf"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        response = (renderer_context or {}).get("response")
        if response is not None:
            response["Content-Type"] = "application/json"
        return renderers.JSONRenderer().render(data)


PAYMENT_METHODS = [c for c in Payment.Method.choices if c[0] != Payment.Method.DEPOSIT]
REFUND_METHODS = [c for c in Payment.Method.choices if c[0] in services.charges.REFUND_METHODS]


class PaymentSerializer(serializers.Serializer):
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=Decimal("0.01"))
    method = serializers.ChoiceField(choices=PAYMENT_METHODS)
    reference = serializers.CharField(max_length=100, required=False, default="", allow_blank=True)


class ScanSerializer(serializers.Serializer):
    asset_tag = serializers.CharField(max_length=32)


class SignSerializer(serializers.Serializer):
    place = serializers.ChoiceField(choices=SignedPlace.choices)
    language = serializers.ChoiceField(
        choices=settings.LANGUAGES, default="zh-hans", help_text="Of the printed contract"
    )
    signature = serializers.CharField(
        required=False,
        default="",
        allow_blank=True,
        max_length=500_000,
        help_text="The customer's drawn signature: a PNG, base64 or a data: URL",
    )


class ReturnSerializer(serializers.Serializer):
    asset_tag = serializers.CharField(max_length=32)
    condition = serializers.ChoiceField(choices=ReturnCondition.choices)
    missing_accessories = serializers.ListField(
        child=serializers.CharField(max_length=100),
        max_length=50,
        required=False,
        default=list,
        help_text="The accessories' Chinese names, as on the model",
    )
    damage_amount = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=Decimal("0"), required=False, default=Decimal(0)
    )
    notes = serializers.CharField(max_length=300, required=False, default="", allow_blank=True)


class ExtendSerializer(serializers.Serializer):
    ends_at = serializers.DateTimeField(help_text="The new end, on the hour")


class DistanceSerializer(serializers.Serializer):
    distance_km = serializers.DecimalField(
        max_digits=6, decimal_places=1, min_value=Decimal("0"), max_value=Decimal("2000")
    )


class RefundSerializer(serializers.Serializer):
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=Decimal("0.01"))
    method = serializers.ChoiceField(choices=REFUND_METHODS)
    reference = serializers.CharField(
        max_length=100, required=False, default="", allow_blank=True, help_text="Not for cash"
    )


class DepositChangeSerializer(serializers.Serializer):
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=Decimal("0"))
    reason = serializers.CharField(max_length=300, help_text="Kept on the contract and audited")


class WriteOffSerializer(serializers.Serializer):
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=Decimal("0.01"))
    reason = serializers.CharField(max_length=300, help_text="Kept on the statement")


class ContractCloseSerializer(serializers.Serializer):
    refund_method = serializers.ChoiceField(
        choices=REFUND_METHODS,
        required=False,
        default="",
        allow_blank=True,
        help_text="How the deposit's refund was paid, when there is one",
    )
    refund_reference = serializers.CharField(
        max_length=100, required=False, default="", allow_blank=True
    )


STAFF_ACTIONS = (
    "payment",
    "refund",
    "deposit_change",
    "write_off",
    "handover",
    "sign",
    "return_unit",
    "extend",
    "distance",
    "cancel",
    "close",
)


class ContractViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """A customer's own contracts (staff: all) with statement, deposit ledger and PDF; staff run
    the desk's lifecycle actions through the desk's services."""

    roles = ("customer", "staff")
    action_roles = {name: ("staff",) for name in STAFF_ACTIONS}
    scope = "contracts"
    serializer_class = ContractSerializer
    lookup_field = "number"
    queryset = Contract.objects.none()
    filter_backends = []

    def get_queryset(self):
        contracts = Contract.objects.prefetch_related("units__asset", "units__model").order_by(
            "-created_at", "-id"
        )
        if self.request.user.is_staff_member:
            return contracts
        return contracts.filter(customer__user=self.request.user)

    def _fresh(self, contract: Contract, status: int = 200) -> Response:
        return answer(self, self.get_queryset().get(pk=contract.pk), status=status)

    @extend_schema(responses=StatementSerializer)
    @action(detail=True, methods=["get"])
    def statement(self, request, number=None):
        """Charges and payments, and what is still owed."""
        statement = services.contract_statement(contract=self.get_object())
        return Response(
            StatementSerializer(
                {
                    "charges": [
                        {
                            "description": charge_text(c),
                            "amount": c.amount,
                            "created_at": c.created_at,
                        }
                        for c in statement.charges
                    ],
                    "payments": [
                        {"amount": p.amount, "method": p.method, "received_at": p.received_at}
                        for p in statement.payments
                    ],
                    "charged": statement.charged,
                    "paid": statement.paid,
                    "balance": statement.balance,
                }
            ).data
        )

    @extend_schema(responses=DepositLedgerSerializer)
    @action(detail=True, methods=["get"])
    def deposit(self, request, number=None):
        """The deposit's ledger: collected, deducted, refunded, and what is held now."""
        contract = self.get_object()
        entries = [
            {
                "kind": e.kind,
                "description": " · ".join(
                    part for part in (str(e.get_kind_display()), deposit_text(e)) if part
                ),
                "amount": e.amount,
                "recorded_at": e.recorded_at,
            }
            for e in contract.deposit_entries.all()
        ]
        held = services.deposit_balance(contract=contract)
        return Response(DepositLedgerSerializer({"entries": entries, "held": held}).data)

    @extend_schema(
        parameters=[PdfQuerySerializer],
        responses={(200, "application/pdf"): OpenApiTypes.BINARY},
    )
    @action(detail=True, methods=["get"], renderer_classes=[renderers.JSONRenderer, PdfRenderer])
    def pdf(self, request, number=None):
        """The printed contract: the stored file as signed, else rendered now from its facts."""
        query = PdfQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        contract = self.get_object()
        return contract_pdf(contract, query.validated_data.get("lang") or get_language())

    @extend_schema(request=PaymentSerializer, responses=StatementSerializer)
    @action(detail=True, methods=["post"])
    def payment(self, request, number=None):
        data = parse(PaymentSerializer, request)
        services.payment_record(contract=self.get_object(), by=request.user, **data)
        return self.statement(request, number)

    @extend_schema(request=RefundSerializer, responses=StatementSerializer)
    @action(detail=True, methods=["post"])
    def refund(self, request, number=None):
        """Hand back what the customer paid beyond the charges (a negative payment)."""
        data = parse(RefundSerializer, request)
        services.payment_refund(contract=self.get_object(), by=request.user, **data)
        return self.statement(request, number)

    @extend_schema(request=DepositChangeSerializer, responses=ContractSerializer)
    @action(detail=True, methods=["post"], url_path="deposit/change")
    def deposit_change(self, request, number=None):
        """Change the deposit before signing, with the reason; a waiver no longer applies."""
        data = parse(DepositChangeSerializer, request)
        contract = services.contract_set_deposit(
            contract=self.get_object(), by=request.user, **data
        )
        return self._fresh(contract)

    @extend_schema(request=WriteOffSerializer, responses=StatementSerializer)
    @action(detail=True, methods=["post"], url_path="write-off")
    def write_off(self, request, number=None):
        """A manager forgives what is still owed after the deposit on a returned contract, with
        the reason kept on the statement (a credit line)."""
        data = parse(WriteOffSerializer, request)
        contract_write_off(contract=self.get_object(), by=request.user, **data)
        return self.statement(request, number)

    @extend_schema(request=DistanceSerializer, responses=ContractSerializer)
    @action(detail=True, methods=["post"])
    def distance(self, request, number=None):
        """Confirm the road distance to the site before signing; the trip fees follow it."""
        data = parse(DistanceSerializer, request)
        contract = contract_confirm_distance(
            contract=self.get_object(), distance_km=data["distance_km"], by=request.user
        )
        return self._fresh(contract)

    @extend_schema(request=SignSerializer, responses=ContractSerializer)
    @action(detail=True, methods=["post"])
    def sign(self, request, number=None):
        """Both sides sign: prices, terms and deposit are frozen and the PDF is kept."""
        data = parse(SignSerializer, request)
        contract = services.contract_sign(contract=self.get_object(), by=request.user, **data)
        return self._fresh(contract)

    @extend_schema(request=ScanSerializer, responses=ContractSerializer)
    @action(detail=True, methods=["post"])
    def handover(self, request, number=None):
        """Hand over one unit by scanning its tag; the last one activates the contract."""
        data = parse(ScanSerializer, request)
        contract = self.get_object()
        services.contract_handover_scan(
            contract=contract, asset_tag=data["asset_tag"], by=request.user
        )
        return self._fresh(contract)

    @extend_schema(request=ReturnSerializer, responses=ContractSerializer)
    @action(detail=True, methods=["post"], url_path="return")
    def return_unit(self, request, number=None):
        """Check one unit back in by its tag; damage is taken from the deposit first."""
        data = parse(ReturnSerializer, request)
        contract = self.get_object()
        services.contract_return_unit(contract=contract, by=request.user, **data)
        return self._fresh(contract)

    @extend_schema(request=ExtendSerializer, responses=ContractSerializer)
    @action(detail=True, methods=["post"])
    def extend(self, request, number=None):
        """Extend an active rental while its units are free; the extra rent is charged."""
        data = parse(ExtendSerializer, request)
        contract = services.contract_extend(
            contract=self.get_object(), ends_at=data["ends_at"], by=request.user
        )
        return self._fresh(contract)

    @extend_schema(request=CancelSerializer, responses=ContractSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, number=None):
        """Cancel before handover; every unit is free again."""
        data = parse(CancelSerializer, request)
        contract = services.contract_cancel(
            contract=self.get_object(), by=request.user, reason=data["reason"]
        )
        return self._fresh(contract)

    @extend_schema(request=ContractCloseSerializer, responses=ContractSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, number=None):
        """Settle and close, as the desk does: the deposit pays what is owed, the rest is
        refunded by the method given, and the contract's open tickets are cancelled."""
        from service_tickets import services as ticket_services

        data = parse(ContractCloseSerializer, request)
        contract, _cancelled = ticket_services.contract_close_with_tickets(
            contract=self.get_object(), by=request.user, **data
        )
        return self._fresh(contract)


ROUTES = [
    ("reservations", ReservationViewSet, "reservation"),
    ("quotes", QuoteViewSet, "quote"),
    ("addresses", AddressViewSet, "address"),
    ("contracts", ContractViewSet, "contract"),
    ("desk/customers", CustomerViewSet, "desk-customer"),
    ("documents", DocumentViewSet, "document"),
]
