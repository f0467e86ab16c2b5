"""Who may call what: every endpoint of the router × every role, with the exact answer.

The endpoints are enumerated from the API's URLs (what the schema documents); each needs a rule
here, so an endpoint added without one fails `test_every_endpoint_has_a_rule`. Objects belong to
"owner"; "other_customer" is a second customer who must never see them. A refused request must
change nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from drf_spectacular.generators import SchemaGenerator

from rental.api.models import ApiToken
from rental.core.models import AuditEvent
from rental.webhooks.models import Event
from tests.api.helpers import Api
from tests.api.world import ROLES, World, build_world

ANON, OWNER, OTHER, TECH, STAFF = "anonymous", "owner", "other_customer", "technician", "staff"


@dataclass(frozen=True)
class Rule:
    url: Callable[[World], str]
    expect: dict[str, int]
    body: Callable[[World], dict] | None = None


def everyone(code: int) -> dict[str, int]:
    return {role: code for role in ROLES}


def signed_in(code: int, anonymous: int = 401) -> dict[str, int]:
    return {**everyone(code), ANON: anonymous}


RULES: dict[tuple[str, str], Rule] = {
    # --- auth ---
    ("POST", "/api/v1/auth/login/"): Rule(
        url=lambda w: "/api/v1/auth/login/",
        body=lambda w: {"username": "owner", "password": "correct-horse-battery", "device": "m"},
        expect=everyone(201),
    ),
    ("GET", "/api/v1/auth/me/"): Rule(url=lambda w: "/api/v1/auth/me/", expect=signed_in(200)),
    ("GET", "/api/v1/auth/tokens/"): Rule(
        url=lambda w: "/api/v1/auth/tokens/", expect=signed_in(200)
    ),
    ("POST", "/api/v1/auth/tokens/"): Rule(
        url=lambda w: "/api/v1/auth/tokens/",
        body=lambda w: {"device": "second phone"},
        expect=signed_in(201),
    ),
    ("DELETE", "/api/v1/auth/tokens/{id}/"): Rule(
        url=lambda w: f"/api/v1/auth/tokens/{w.objects['owner_token_id']}/",
        expect={ANON: 401, OWNER: 204, OTHER: 404, TECH: 404, STAFF: 404},
    ),
    # --- catalogue: public, read-only ---
    ("GET", "/api/v1/catalogue/categories/"): Rule(
        url=lambda w: "/api/v1/catalogue/categories/", expect=everyone(200)
    ),
    ("GET", "/api/v1/catalogue/categories/{slug}/"): Rule(
        url=lambda w: "/api/v1/catalogue/categories/laptops/", expect=everyone(200)
    ),
    ("GET", "/api/v1/catalogue/brands/"): Rule(
        url=lambda w: "/api/v1/catalogue/brands/", expect=everyone(200)
    ),
    ("GET", "/api/v1/catalogue/brands/{slug}/"): Rule(
        url=lambda w: "/api/v1/catalogue/brands/lenovo/", expect=everyone(200)
    ),
    ("GET", "/api/v1/catalogue/models/"): Rule(
        url=lambda w: "/api/v1/catalogue/models/", expect=everyone(200)
    ),
    ("GET", "/api/v1/catalogue/models/{slug}/"): Rule(
        url=lambda w: "/api/v1/catalogue/models/thinkpad-t14/", expect=everyone(200)
    ),
    ("GET", "/api/v1/catalogue/models/{slug}/availability/"): Rule(
        url=lambda w: "/api/v1/catalogue/models/thinkpad-t14/availability/?" + w.period_query(),
        expect=everyone(200),
    ),
}


def _router_endpoints() -> set[tuple[str, str]]:
    """Every (method, path) the router and the API's URLs offer, as the schema documents them."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return {
        (method.upper(), path)
        for path, operations in schema["paths"].items()
        for method in operations
        if method in ("get", "post", "put", "patch", "delete")
    }


def test_every_endpoint_has_a_rule_and_every_rule_an_endpoint():
    endpoints = _router_endpoints()

    assert sorted(endpoints - RULES.keys()) == [], "endpoints without an ownership rule"
    assert sorted(RULES.keys() - endpoints) == [], "rules for endpoints that do not exist"


def _footprint():
    return (
        AuditEvent.objects.count(),
        Event.objects.count(),
        ApiToken.objects.filter(revoked_at__isnull=True).count(),
    )


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("key", sorted(RULES), ids=lambda key: f"{key[0]} {key[1]}")
def test_each_role_gets_exactly_its_answer(key, role, settings):
    settings.API_THROTTLE_RATES = {"token": "100000/min", "address": "100000/min"}
    world = build_world()
    rule = RULES[key]
    method = key[0]
    api = Api(world.token(role) if role != ANON else None)
    before = _footprint()

    response = api.request(method, rule.url(world), rule.body(world) if rule.body else None)

    assert response.status_code == rule.expect[role], response.content[:300]
    if response.status_code >= 400:
        assert set(response.json()) == {"code", "message", "fields"}
        if method != "GET":
            assert _footprint() == before, "a refused request changed something"
