"""/api/v1/: every app's viewsets on one router, the auth endpoints, the schema and its docs.

Each app's `api.py` lists its `ROUTES` (prefix, viewset, basename); the ownership matrix test
walks these same URLs, so an endpoint added here without a rule there fails the suite.
"""

from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.permissions import AllowAny
from rest_framework.routers import SimpleRouter

from catalog import api as catalog_api
from contracts import api as contracts_api
from service_tickets import api as service_tickets_api

from . import views

APPS = [catalog_api, contracts_api, service_tickets_api]

router = SimpleRouter()
router.register("auth/tokens", views.TokenViewSet, basename="token")
for module in APPS:
    for prefix, viewset, basename in module.ROUTES:
        router.register(prefix, viewset, basename=basename)


def _docs(view, **options):
    """The schema and its viewers are public, like the catalogue they describe."""
    return view.as_view(authentication_classes=[], permission_classes=[AllowAny], **options)


app_name = "api"

urlpatterns = [
    path("auth/login/", views.LoginView.as_view(), name="login"),
    path("auth/me/", views.me, name="me"),
    *router.urls,
    path("schema/", _docs(SpectacularAPIView, throttle_classes=[]), name="schema"),
    path("docs/", _docs(SpectacularSwaggerView, url_name="api:schema"), name="swagger"),
    path("redoc/", _docs(SpectacularRedocView, url_name="api:schema"), name="redoc"),
    re_path(r"^.*$", views.not_found),
]
