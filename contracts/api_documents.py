"""Identity documents through the API: a customer uploads and lists their own copies; staff list
everyone's and verify or reject them. The files themselves are served only by the pages'
permission-checked view, never here."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action

from rental.api.actions import answer, parse
from rental.core.errors import ApplicationError

from . import services
from .models import Customer, IdentityDocument
from .services.documents import active_guarantor


class DocumentSerializer(serializers.ModelSerializer):
    customer = serializers.IntegerField(source="customer_id", read_only=True)

    class Meta:
        model = IdentityDocument
        fields = [
            "id",
            "customer",
            "kind",
            "status",
            "content_type",
            "size",
            "reject_reason",
            "uploaded_at",
            "reviewed_at",
        ]
        read_only_fields = fields


class UploadSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=IdentityDocument.Kind.choices)
    file = serializers.FileField(help_text="A JPEG, PNG or PDF copy")


class VerifySerializer(serializers.Serializer):
    representative_id = serializers.CharField(max_length=18, required=False, default="")


class RejectSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300)


class DocumentFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=IdentityDocument.Status.choices)

    class Meta:
        model = IdentityDocument
        fields = ["status"]


class DocumentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    roles = ("customer", "staff")
    action_roles = {"create": ("customer",), "verify": ("staff",), "reject": ("staff",)}
    scope = "documents"
    serializer_class = DocumentSerializer
    filterset_class = DocumentFilter
    queryset = IdentityDocument.objects.none()

    def get_queryset(self):
        documents = IdentityDocument.objects.order_by("-uploaded_at", "-id")
        if self.request.user.is_staff_member:
            return documents
        return documents.filter(customer__user=self.request.user)

    @extend_schema(
        request={"multipart/form-data": UploadSerializer}, responses={201: DocumentSerializer}
    )
    def create(self, request):
        """Upload one copy; it waits for staff to compare it with the original."""
        data = parse(UploadSerializer, request)
        customer = Customer.objects.filter(user=request.user).first()
        if customer is None:
            raise ApplicationError(
                _("Complete your customer profile before reserving."), code="no_profile"
            )
        document = services.document_upload(
            customer=customer,
            kind=data["kind"],
            uploaded_file=data["file"],
            by=request.user,
            guarantor=active_guarantor(customer),
        )
        return answer(self, document, status=201)

    @extend_schema(request=VerifySerializer, responses=DocumentSerializer)
    @action(detail=True, methods=["post"])
    def verify(self, request, pk=None):
        data = parse(VerifySerializer, request)
        document = services.document_verify(document=self.get_object(), by=request.user, **data)
        return answer(self, document)

    @extend_schema(request=RejectSerializer, responses=DocumentSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        data = parse(RejectSerializer, request)
        document = services.document_reject(
            document=self.get_object(), by=request.user, reason=data["reason"]
        )
        return answer(self, document)
