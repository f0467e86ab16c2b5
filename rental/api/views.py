"""The API's own endpoints: log in for a token, list and revoke one's tokens, who am I."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import authenticate
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import api_view, authentication_classes, permission_classes
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from rental.accounts.verification import login_name
from rental.core.errors import ApplicationError

from . import scopes as scope_rules
from . import tokens
from .models import ApiToken
from .permissions import token_scopes

ROLES = ("customer", "staff", "technician")


class TooManyAttempts(ApplicationError):
    status_code = 429


class TokenSerializer(serializers.ModelSerializer):
    class Meta:
        model = ApiToken
        fields = ["id", "device", "prefix", "scopes", "created_at", "expires_at", "last_used_at"]
        read_only_fields = fields


class IssueSerializer(serializers.Serializer):
    device = serializers.CharField(max_length=100, help_text="A name for the phone or integration.")
    scopes = serializers.ListField(
        child=serializers.ChoiceField(choices=scope_rules.choices()),
        required=False,
        help_text="Defaults to every scope the user's role allows.",
    )
    expires_in_days = serializers.IntegerField(min_value=1, max_value=366, required=False)


class LoginSerializer(IssueSerializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=128, style={"input_type": "password"})


class IssuedSerializer(TokenSerializer):
    token = serializers.CharField(read_only=True, help_text="Shown only once; keep it secret.")

    class Meta(TokenSerializer.Meta):
        fields = [*TokenSerializer.Meta.fields, "token"]
        read_only_fields = fields


def _issue(user, data, *, by) -> Response:
    days = data.get("expires_in_days")
    token, plain = tokens.token_issue(
        user=user,
        device=data["device"],
        scopes=data.get("scopes"),
        lifetime=timedelta(days=days) if days else None,
        by=by,
    )
    token.token = plain
    return Response(IssuedSerializer(token).data, status=status.HTTP_201_CREATED)


class LoginView(APIView):
    """Exchange a username and password for a token for one device (failed logins are limited)."""

    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(request=LoginSerializer, responses={201: IssuedSerializer}, tags=["auth"])
    def post(self, request):
        serializer = LoginSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        user = authenticate(
            request=request._request,
            username=login_name(data["username"]),
            password=data["password"],
        )
        if getattr(request._request, "axes_locked_out", False):
            raise TooManyAttempts(_("Too many failed logins; try again later."), code="locked_out")
        if user is None:
            raise ApplicationError(_("The username or password is not right."), code="credentials")
        return _issue(user, data, by=user)


class TokenViewSet(mixins.ListModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """The caller's own live tokens; issue one for another device, or revoke one."""

    roles = ROLES
    scope = None
    serializer_class = TokenSerializer
    queryset = ApiToken.objects.none()
    filter_backends = []

    def get_queryset(self):
        return ApiToken.objects.filter(user=self.request.user, revoked_at__isnull=True).order_by(
            "-created_at", "-id"
        )

    @extend_schema(request=IssueSerializer, responses={201: IssuedSerializer}, tags=["auth"])
    def create(self, request):
        serializer = IssueSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return _issue(request.user, serializer.validated_data, by=request.user)

    def perform_destroy(self, instance):
        tokens.token_revoke(token=instance, by=self.request.user)


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    name = serializers.CharField()
    role = serializers.CharField()
    scopes = serializers.ListField(child=serializers.CharField())


@extend_schema(responses={200: MeSerializer}, tags=["auth"])
@api_view(["GET"])
def me(request):
    """Who the credentials belong to, and what they may do."""
    user = request.user
    return Response(
        MeSerializer(
            {
                "id": user.pk,
                "username": user.get_username(),
                "name": user.get_full_name() or user.get_username(),
                "role": user.role,
                "scopes": list(token_scopes(request)),
            }
        ).data
    )


me.cls.roles = ROLES
me.cls.scope = None


@extend_schema(exclude=True)
@api_view(["GET", "POST", "PUT", "PATCH", "DELETE"])
@authentication_classes([])
@permission_classes([AllowAny])
def not_found(request, *args, **kwargs):
    """Any path under /api/v1/ that names nothing: a JSON 404, not the HTML page."""
    return Response(
        {"code": "not_found", "message": _("There is nothing at this address."), "fields": {}},
        status=status.HTTP_404_NOT_FOUND,
    )
