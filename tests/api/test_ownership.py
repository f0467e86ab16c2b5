"""Who may call what: every endpoint of the router × every role, with the exact answer.

The endpoints are enumerated from the API's URLs (what the schema documents); each needs a rule
here, so an endpoint added without one fails `test_every_endpoint_has_a_rule`. Objects belong to
"owner"; "other_customer" is a second customer who must never see them. A refused request must
change nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from drf_spectacular.generators import SchemaGenerator

from rental.api.models import ApiToken
from rental.core.models import AuditEvent
from rental.webhooks.models import Event
from tests.api.helpers import Api, png_file
from tests.api.world import ROLES, World, build_world

ANON, OWNER, OTHER, TECH, STAFF = "anonymous", "owner", "other_customer", "technician", "staff"


@dataclass(frozen=True)
class Rule:
    url: Callable[[World], str]
    expect: dict[str, int]
    body: Callable[[World], dict] | None = None
    multipart: bool = False


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
    # --- reservations and quotes ---
    ("GET", "/api/v1/reservations/"): Rule(
        url=lambda w: "/api/v1/reservations/",
        expect={ANON: 401, OWNER: 200, OTHER: 200, TECH: 403, STAFF: 200},
    ),
    ("POST", "/api/v1/reservations/"): Rule(
        url=lambda w: "/api/v1/reservations/",
        body=lambda w: w.reservation_body(),
        expect={ANON: 401, OWNER: 201, OTHER: 201, TECH: 403, STAFF: 201},
    ),
    ("GET", "/api/v1/reservations/{number}/"): Rule(
        url=lambda w: f"/api/v1/reservations/{w.objects['reservation'].number}/",
        expect={ANON: 401, OWNER: 200, OTHER: 404, TECH: 403, STAFF: 200},
    ),
    ("POST", "/api/v1/reservations/{number}/cancel/"): Rule(
        url=lambda w: f"/api/v1/reservations/{w.objects['reservation'].number}/cancel/",
        expect={ANON: 401, OWNER: 200, OTHER: 404, TECH: 403, STAFF: 200},
    ),
    ("POST", "/api/v1/reservations/{number}/inspection/"): Rule(
        url=lambda w: f"/api/v1/reservations/{w.objects['reservation'].number}/inspection/",
        body=lambda w: {"place": "site"},
        expect={ANON: 401, OWNER: 200, OTHER: 404, TECH: 403, STAFF: 200},
    ),
    ("POST", "/api/v1/reservations/{number}/outcome/"): Rule(
        url=lambda w: f"/api/v1/reservations/{w.objects['reservation'].number}/outcome/",
        body=lambda w: {"accepted_units": [], "reason": "Too heavy"},
        # Staff pass the gate; the reservation has no inspection booked yet: wrong state.
        expect={ANON: 401, OWNER: 403, OTHER: 403, TECH: 403, STAFF: 409},
    ),
    ("POST", "/api/v1/reservations/{number}/inspection/confirm/"): Rule(
        url=lambda w: f"/api/v1/reservations/{w.objects['reservation'].number}/inspection/confirm/",
        # Staff pass the gate; nothing is booked to confirm: wrong state.
        expect={ANON: 401, OWNER: 403, OTHER: 403, TECH: 403, STAFF: 409},
    ),
    # A quote is public (a partner's website); a signed-in customer's also weighs their waiver.
    ("POST", "/api/v1/quotes/"): Rule(
        url=lambda w: "/api/v1/quotes/",
        body=lambda w: w.reservation_body(),
        expect=everyone(200),
    ),
    # --- addresses: the world's is the owner's ---
    ("GET", "/api/v1/addresses/"): Rule(
        url=lambda w: "/api/v1/addresses/",
        expect={ANON: 401, OWNER: 200, OTHER: 200, TECH: 403, STAFF: 200},
    ),
    ("GET", "/api/v1/addresses/{id}/"): Rule(
        url=lambda w: f"/api/v1/addresses/{w.objects['address'].pk}/",
        expect={ANON: 401, OWNER: 200, OTHER: 404, TECH: 403, STAFF: 200},
    ),
    # --- contracts ---
    ("GET", "/api/v1/contracts/"): Rule(
        url=lambda w: "/api/v1/contracts/",
        expect={ANON: 401, OWNER: 200, OTHER: 200, TECH: 403, STAFF: 200},
    ),
    ("GET", "/api/v1/contracts/{number}/"): Rule(
        url=lambda w: f"/api/v1/contracts/{w.objects['contract'].number}/",
        expect={ANON: 401, OWNER: 200, OTHER: 404, TECH: 403, STAFF: 200},
    ),
    ("GET", "/api/v1/contracts/{number}/statement/"): Rule(
        url=lambda w: f"/api/v1/contracts/{w.objects['contract'].number}/statement/",
        expect={ANON: 401, OWNER: 200, OTHER: 404, TECH: 403, STAFF: 200},
    ),
    ("GET", "/api/v1/contracts/{number}/deposit/"): Rule(
        url=lambda w: f"/api/v1/contracts/{w.objects['contract'].number}/deposit/",
        expect={ANON: 401, OWNER: 200, OTHER: 404, TECH: 403, STAFF: 200},
    ),
    ("GET", "/api/v1/contracts/{number}/pdf/"): Rule(
        url=lambda w: f"/api/v1/contracts/{w.objects['contract'].number}/pdf/",
        expect={ANON: 401, OWNER: 200, OTHER: 404, TECH: 403, STAFF: 200},
    ),
    # The world's contract is active (handed over): the steps before handover are wrong states.
    ("POST", "/api/v1/contracts/{number}/distance/"): Rule(
        url=lambda w: f"/api/v1/contracts/{w.objects['contract'].number}/distance/",
        body=lambda w: {"distance_km": "8.0"},
        expect={ANON: 401, OWNER: 403, OTHER: 403, TECH: 403, STAFF: 409},
    ),
    ("POST", "/api/v1/contracts/{number}/sign/"): Rule(
        url=lambda w: f"/api/v1/contracts/{w.objects['contract'].number}/sign/",
        body=lambda w: {"place": "office"},
        expect={ANON: 401, OWNER: 403, OTHER: 403, TECH: 403, STAFF: 409},
    ),
    ("POST", "/api/v1/contracts/{number}/cancel/"): Rule(
        url=lambda w: f"/api/v1/contracts/{w.objects['contract'].number}/cancel/",
        body=lambda w: {"reason": "Changed plans"},
        expect={ANON: 401, OWNER: 403, OTHER: 403, TECH: 403, STAFF: 409},
    ),
    ("POST", "/api/v1/contracts/{number}/return/"): Rule(
        url=lambda w: f"/api/v1/contracts/{w.objects['contract'].number}/return/",
        body=lambda w: {"asset_tag": w.objects["unit"].asset_tag, "condition": "good"},
        expect={ANON: 401, OWNER: 403, OTHER: 403, TECH: 403, STAFF: 200},
    ),
    ("POST", "/api/v1/contracts/{number}/extend/"): Rule(
        url=lambda w: f"/api/v1/contracts/{w.objects['contract'].number}/extend/",
        body=lambda w: {"ends_at": (w.objects["contract"].ends_at + timedelta(days=1)).isoformat()},
        expect={ANON: 401, OWNER: 403, OTHER: 403, TECH: 403, STAFF: 200},
    ),
    ("POST", "/api/v1/contracts/{number}/payment/"): Rule(
        url=lambda w: f"/api/v1/contracts/{w.objects['contract'].number}/payment/",
        body=lambda w: {"amount": "100.00", "method": "cash"},
        expect={ANON: 401, OWNER: 403, OTHER: 403, TECH: 403, STAFF: 200},
    ),
    ("POST", "/api/v1/contracts/{number}/handover/"): Rule(
        url=lambda w: f"/api/v1/contracts/{w.objects['contract'].number}/handover/",
        body=lambda w: {"asset_tag": w.objects["unit"].asset_tag},
        # The world's contract is already out: handing over again is a wrong state.
        expect={ANON: 401, OWNER: 403, OTHER: 403, TECH: 403, STAFF: 409},
    ),
    ("POST", "/api/v1/contracts/{number}/refund/"): Rule(
        url=lambda w: f"/api/v1/contracts/{w.objects['contract'].number}/refund/",
        body=lambda w: {"amount": "10.00", "method": "cash"},
        # Nothing was overpaid: there is nothing to hand back.
        expect={ANON: 401, OWNER: 403, OTHER: 403, TECH: 403, STAFF: 400},
    ),
    ("POST", "/api/v1/contracts/{number}/deposit/change/"): Rule(
        url=lambda w: f"/api/v1/contracts/{w.objects['contract'].number}/deposit/change/",
        body=lambda w: {"amount": "500.00", "reason": "Agreed with the customer"},
        # Signed and out: the deposit is frozen.
        expect={ANON: 401, OWNER: 403, OTHER: 403, TECH: 403, STAFF: 409},
    ),
    ("POST", "/api/v1/contracts/{number}/write-off/"): Rule(
        url=lambda w: f"/api/v1/contracts/{w.objects['contract'].number}/write-off/",
        body=lambda w: {"amount": "10.00", "reason": "Small balance"},
        # The world's staff is a manager; the contract is still out, not ready to close.
        expect={ANON: 401, OWNER: 403, OTHER: 403, TECH: 403, STAFF: 409},
    ),
    ("POST", "/api/v1/contracts/{number}/close/"): Rule(
        url=lambda w: f"/api/v1/contracts/{w.objects['contract'].number}/close/",
        expect={ANON: 401, OWNER: 403, OTHER: 403, TECH: 403, STAFF: 409},
    ),
    # --- the service desk's lookup: staff only ---
    ("GET", "/api/v1/desk/customers/"): Rule(
        url=lambda w: "/api/v1/desk/customers/?phone=13812345678",
        expect={ANON: 401, OWNER: 403, OTHER: 403, TECH: 403, STAFF: 200},
    ),
    ("GET", "/api/v1/desk/customers/{id}/"): Rule(
        url=lambda w: f"/api/v1/desk/customers/{w.objects['owner_customer'].pk}/",
        expect={ANON: 401, OWNER: 403, OTHER: 403, TECH: 403, STAFF: 200},
    ),
    # --- identity documents: the world's is the owner's own ID, waiting for review ---
    ("GET", "/api/v1/documents/"): Rule(
        url=lambda w: "/api/v1/documents/",
        expect={ANON: 401, OWNER: 200, OTHER: 200, TECH: 403, STAFF: 200},
    ),
    ("POST", "/api/v1/documents/"): Rule(
        url=lambda w: "/api/v1/documents/",
        body=lambda w: {"kind": "own_id", "file": png_file(color=(200, 30, 30))},
        multipart=True,
        # Each customer uploads their own; staff review, they do not upload.
        expect={ANON: 401, OWNER: 201, OTHER: 201, TECH: 403, STAFF: 403},
    ),
    ("GET", "/api/v1/documents/{id}/"): Rule(
        url=lambda w: f"/api/v1/documents/{w.objects['document'].pk}/",
        expect={ANON: 401, OWNER: 200, OTHER: 404, TECH: 403, STAFF: 200},
    ),
    ("POST", "/api/v1/documents/{id}/verify/"): Rule(
        url=lambda w: f"/api/v1/documents/{w.objects['document'].pk}/verify/",
        expect={ANON: 401, OWNER: 403, OTHER: 403, TECH: 403, STAFF: 200},
    ),
    ("POST", "/api/v1/documents/{id}/reject/"): Rule(
        url=lambda w: f"/api/v1/documents/{w.objects['document'].pk}/reject/",
        body=lambda w: {"reason": "The copy is blurred."},
        expect={ANON: 401, OWNER: 403, OTHER: 403, TECH: 403, STAFF: 200},
    ),
    # --- tickets: the world's ticket is the owner's, assigned to the technician ---
    ("GET", "/api/v1/tickets/"): Rule(
        url=lambda w: "/api/v1/tickets/",
        expect={ANON: 401, OWNER: 200, OTHER: 200, TECH: 200, STAFF: 200},
    ),
    ("POST", "/api/v1/tickets/"): Rule(
        url=lambda w: "/api/v1/tickets/",
        body=lambda w: {
            "contract": w.objects["contract"].number,
            "asset_tag": w.objects["unit"].asset_tag,
            "kind": "software",
            "description": "Office will not open.",
        },
        expect={ANON: 401, OWNER: 201, OTHER: 404, TECH: 403, STAFF: 201},
    ),
    ("GET", "/api/v1/tickets/{number}/"): Rule(
        url=lambda w: f"/api/v1/tickets/{w.objects['ticket'].number}/",
        expect={ANON: 401, OWNER: 200, OTHER: 404, TECH: 200, STAFF: 200},
    ),
    ("POST", "/api/v1/tickets/{number}/assign/"): Rule(
        url=lambda w: f"/api/v1/tickets/{w.objects['ticket'].number}/assign/",
        body=lambda w: {"technician": "tech"},
        expect={ANON: 401, OWNER: 403, OTHER: 403, TECH: 403, STAFF: 200},
    ),
    ("POST", "/api/v1/tickets/{number}/deadline/"): Rule(
        url=lambda w: f"/api/v1/tickets/{w.objects['ticket'].number}/deadline/",
        body=lambda w: {"deadline": "2099-01-01T12:00:00+08:00"},
        # The rapid terms gave this ticket its deadline: it cannot be set by hand.
        expect={ANON: 401, OWNER: 403, OTHER: 403, TECH: 403, STAFF: 409},
    ),
    ("POST", "/api/v1/tickets/{number}/en-route/"): Rule(
        url=lambda w: f"/api/v1/tickets/{w.objects['ticket'].number}/en-route/",
        expect={ANON: 401, OWNER: 403, OTHER: 403, TECH: 200, STAFF: 200},
    ),
    ("POST", "/api/v1/tickets/{number}/arrive/"): Rule(
        url=lambda w: f"/api/v1/tickets/{w.objects['ticket'].number}/arrive/",
        expect={ANON: 401, OWNER: 403, OTHER: 403, TECH: 200, STAFF: 200},
    ),
    ("POST", "/api/v1/tickets/{number}/resolve/"): Rule(
        url=lambda w: f"/api/v1/tickets/{w.objects['ticket'].number}/resolve/",
        body=lambda w: {"notes": "Fixed.", "units": [w.objects["unit"].asset_tag]},
        # Assigned, not yet on site: resolving now is a wrong state.
        expect={ANON: 401, OWNER: 403, OTHER: 403, TECH: 409, STAFF: 409},
    ),
    ("POST", "/api/v1/tickets/{number}/cancel/"): Rule(
        url=lambda w: f"/api/v1/tickets/{w.objects['ticket'].number}/cancel/",
        body=lambda w: {"reason": "It works again."},
        # The owner may cancel only while the ticket is new; this one is already dispatched.
        expect={ANON: 401, OWNER: 409, OTHER: 404, TECH: 403, STAFF: 200},
    ),
    ("POST", "/api/v1/tickets/{number}/close/"): Rule(
        url=lambda w: f"/api/v1/tickets/{w.objects['ticket'].number}/close/",
        body=lambda w: {"fee": "0.00"},
        expect={ANON: 401, OWNER: 403, OTHER: 403, TECH: 409, STAFF: 409},
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


def _owner_numbers(world) -> set[str]:
    o = world.objects
    return {o["reservation"].number, o["contract"].number, o["ticket"].number}


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

    response = api.request(
        method, rule.url(world), rule.body(world) if rule.body else None, multipart=rule.multipart
    )

    assert response.status_code == rule.expect[role], response.content[:300]
    if response.status_code >= 400:
        assert set(response.json()) == {"code", "message", "fields"}
        if method != "GET":
            assert _footprint() == before, "a refused request changed something"
    if response.status_code == 200 and method == "GET" and role == OTHER:
        # Lists answer another customer with nothing of the owner's.
        body = response.json()
        if "results" in body:
            numbers = {row.get("number") for row in body["results"]}
            assert not numbers & _owner_numbers(world)
