"""The public catalogue through the API: categories, brands, models with rate cards and photos,
and availability with the rent explained line by line, exactly as the model page computes it."""

from __future__ import annotations

import django_filters
from django.db.models import Prefetch, Q, TextField
from django.db.models.functions import Cast
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from rental.api.etag import ETagMixin
from rental.core.i18n import pick

from . import specs
from .forms import MAX_QUANTITY, AvailabilityForm
from .models import Brand, Category, EquipmentModel, ModelPhoto
from .views import check_availability, from_price_per_day


class CategorySerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True)

    class Meta:
        model = Category
        fields = ["slug", "name", "name_zh", "name_en"]


class BrandSerializer(serializers.ModelSerializer):
    display_name = serializers.CharField(read_only=True)

    class Meta:
        model = Brand
        fields = ["slug", "name", "name_zh", "display_name"]


class PhotoSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = ModelPhoto
        fields = ["url", "caption"]

    def get_url(self, photo) -> str:
        request = self.context.get("request")
        url = photo.image.url
        return request.build_absolute_uri(url) if request else url


class RateCardSerializer(serializers.Serializer):
    hour = serializers.DecimalField(max_digits=12, decimal_places=2)
    day = serializers.DecimalField(max_digits=12, decimal_places=2)
    week = serializers.DecimalField(max_digits=12, decimal_places=2)
    month = serializers.DecimalField(max_digits=12, decimal_places=2)


class SpecSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    value = serializers.CharField()


class EquipmentModelSerializer(serializers.ModelSerializer):
    category = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    brand = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    title = serializers.CharField(source="__str__", read_only=True)
    summary = serializers.CharField(read_only=True)
    rates = RateCardSerializer(source="rate_card", read_only=True)
    from_price_per_day = serializers.SerializerMethodField()
    spec_list = serializers.SerializerMethodField()
    accessory_list = serializers.SerializerMethodField()
    photos = PhotoSerializer(many=True, read_only=True)

    class Meta:
        model = EquipmentModel
        fields = [
            "slug",
            "title",
            "name",
            "category",
            "brand",
            "summary",
            "rates",
            "from_price_per_day",
            "deposit_amount",
            "replacement_value",
            "spec_list",
            "accessory_list",
            "photos",
        ]

    def get_from_price_per_day(self, model) -> str:
        return str(from_price_per_day(model))

    @extend_schema_field(SpecSerializer(many=True))
    def get_spec_list(self, model):
        return [
            {"key": row.key, "label": str(row.label), "value": str(row.value)}
            for row in specs.spec_rows(model.specs)
        ]

    def get_accessory_list(self, model) -> list[str]:
        return [
            pick(str(item.get("zh", "")), str(item.get("en", "")))
            for item in model.accessories or []
            if isinstance(item, dict)
        ]


class ModelFilter(django_filters.FilterSet):
    category = django_filters.CharFilter(field_name="category__slug", help_text="Category slug")
    brand = django_filters.CharFilter(field_name="brand__slug", help_text="Brand slug")
    q = django_filters.CharFilter(method="search", max_length=100, help_text="Search text")

    class Meta:
        model = EquipmentModel
        fields = ["category", "brand", "q"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        # The same fields the catalogue page searches.
        return queryset.alias(specs_text=Cast("specs", TextField())).filter(
            Q(name__icontains=value)
            | Q(brand__name__icontains=value)
            | Q(brand__name_zh__icontains=value)
            | Q(category__name_zh__icontains=value)
            | Q(category__name_en__icontains=value)
            | Q(summary_zh__icontains=value)
            | Q(summary_en__icontains=value)
            | Q(specs_text__icontains=value)
        )


class AvailabilityQuerySerializer(serializers.Serializer):
    start = serializers.DateTimeField(help_text="On the hour, e.g. 2026-12-02T09:00:00+08:00")
    end = serializers.DateTimeField(help_text="On the hour, after the start")
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_QUANTITY, default=1)


class RentLineSerializer(serializers.Serializer):
    label = serializers.CharField()
    amount = serializers.DecimalField(max_digits=12, decimal_places=2)


class AvailabilitySerializer(serializers.Serializer):
    model = serializers.SerializerMethodField()
    start = serializers.DateTimeField(source="starts_at")
    end = serializers.DateTimeField(source="ends_at")
    quantity = serializers.IntegerField()
    free = serializers.IntegerField()
    enough = serializers.BooleanField()
    next_free_at = serializers.DateTimeField(allow_null=True)
    rent_per_unit = serializers.DecimalField(max_digits=12, decimal_places=2, source="rent.total")
    rent_lines = RentLineSerializer(many=True, source="rent.lines")
    total = serializers.DecimalField(max_digits=12, decimal_places=2)

    def get_model(self, availability) -> str:
        return self.context["model"].slug


def _public(cls):
    cls.authentication_classes = []
    cls.permission_classes = [AllowAny]
    return cls


@_public
class CategoryViewSet(ETagMixin, viewsets.ReadOnlyModelViewSet):
    """Categories of equipment, in the catalogue's order."""

    queryset = Category.objects.all()
    serializer_class = CategorySerializer
    lookup_field = "slug"
    filter_backends = []


@_public
class BrandViewSet(ETagMixin, viewsets.ReadOnlyModelViewSet):
    """Brands we carry."""

    queryset = Brand.objects.order_by("name")
    serializer_class = BrandSerializer
    lookup_field = "slug"
    filter_backends = []


@_public
class EquipmentModelViewSet(ETagMixin, viewsets.ReadOnlyModelViewSet):
    """Models on offer with their rate cards, specs and photos; filter by category, brand, text."""

    queryset = (
        EquipmentModel.objects.filter(is_active=True)
        .select_related("category", "brand")
        .prefetch_related(
            Prefetch("photos", queryset=ModelPhoto.objects.order_by("position", "id"))
        )
    )
    serializer_class = EquipmentModelSerializer
    lookup_field = "slug"
    filterset_class = ModelFilter

    @extend_schema(parameters=[AvailabilityQuerySerializer], responses=AvailabilitySerializer)
    @action(detail=True, methods=["get"])
    def availability(self, request, slug=None):
        """Free units for a period, the rent per unit explained, and when enough are free."""
        model = self.get_object()
        form = AvailabilityForm({"quantity": 1, **request.query_params.dict()}, now=timezone.now())
        if not form.is_valid():
            raise ValidationError(_form_errors(form))
        data = form.cleaned_data
        availability = check_availability(
            model, starts_at=data["start"], ends_at=data["end"], quantity=data["quantity"]
        )
        return Response(AvailabilitySerializer(availability, context={"model": model}).data)


def _form_errors(form) -> dict[str, list[str]]:
    return {field: [str(e) for e in errors] for field, errors in form.errors.items()}


ROUTES = [
    ("catalogue/categories", CategoryViewSet, "catalogue-category"),
    ("catalogue/brands", BrandViewSet, "catalogue-brand"),
    ("catalogue/models", EquipmentModelViewSet, "catalogue-model"),
]
