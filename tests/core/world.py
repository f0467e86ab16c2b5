"""A small seeded world for the tests that walk the whole URLconf (permission matrix, fuzz):
one user per principal, and one object of every kind a URL can name, owned by that customer and
assigned to that technician. `url_for` fills any pattern's path parameters from it."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import timedelta

from django.contrib.auth.tokens import default_token_generator
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from PIL import Image

from rental.core.access import PRINCIPALS
from rental.core.timeutil import SHANGHAI
from tests.factories import (
    AddressFactory,
    AssetFactory,
    ContractFactory,
    CustomerFactory,
    EquipmentModelFactory,
    StaffFactory,
    TechnicianFactory,
    UserFactory,
    make_resident_id,
)

ANONYMOUS = "anonymous"
ROLES = (ANONYMOUS, *PRINCIPALS)


@dataclass(frozen=True)
class Route:
    name: str  # namespaced URL name, e.g. contracts:desk
    route: str  # the full route with <converter:param> parts, no leading slash
    params: tuple[str, ...]
    callback: object


def routes(*, console: bool = False) -> list[Route]:
    """Every named pattern of the URLconf (the console's only with `console`); the REST API's
    are left to its own tests (tests/api: ownership matrix, schemathesis)."""
    found: list[Route] = []

    def walk(patterns, prefix: str, namespace: str) -> None:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                ns = namespace
                if entry.namespace:
                    ns = f"{namespace}{entry.namespace}:"
                if ns.startswith("admin:") and not console:
                    continue
                if ns.startswith("api:"):
                    continue
                walk(entry.url_patterns, prefix + str(entry.pattern), ns)
            elif isinstance(entry, URLPattern) and entry.name:
                route = prefix + str(entry.pattern)
                if route.startswith("^") or "(?P" in route:
                    continue  # a regex pattern (static files in DEBUG): not a page of ours
                params = tuple(re.findall(r"<(?:\w+:)?(\w+)>", route))
                found.append(Route(f"{namespace}{entry.name}", route, params, entry.callback))

    walk(get_resolver().url_patterns, "", "")
    return found


def isolated(send):
    """Run one request and roll back whatever it wrote, so every request of a walk meets the
    same world (a cancel early on must not hide the pages after it). A raw savepoint, not an
    atomic block, so the services' durable transactions still run as in production."""
    from django.db import connection, transaction

    sid = transaction.savepoint()
    try:
        return send()
    finally:
        transaction.savepoint_rollback(sid)
        connection.needs_rollback = False


def fill(route: str, values: dict[str, str]) -> str:
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: values[m.group(1)], route)


def png_upload(name: str = "id.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (30, 30, 200)).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


@dataclass
class World:
    users: dict[str, object] = field(default_factory=dict)
    objects: dict[str, object] = field(default_factory=dict)

    def values_for(self, route: Route) -> dict[str, str]:
        """Valid path values for `route`: the world's own objects. A parameter this does not
        know fails the test, so a new kind of URL is taught here once and then covered."""
        o = self.objects
        name = route.name
        values = {}
        for param in route.params:
            if param == "number":
                if name.startswith("service_tickets:"):
                    values[param] = o["ticket"].number
                elif "desk" in name or "contract" in name:
                    values[param] = o["contract"].number
                else:
                    values[param] = o["reservation"].number
            elif param == "contract_number":
                values[param] = o["contract"].number
            elif param == "customer_id":
                values[param] = str(o["customer"].pk)
            elif param == "unit_id":
                values[param] = str(o["contract"].units.first().pk)
            elif param == "pk" and "guarantor" in name:
                values[param] = str(o["guarantor"].pk)
            elif param == "pk" and "document" in name:
                values[param] = str(o["document"].pk)
            elif param == "model_id":
                values[param] = str(o["model"].pk)
            elif param == "slug":
                values[param] = o["model"].slug
            elif param == "uidb64":
                values[param] = urlsafe_base64_encode(force_bytes(self.users["customer"].pk))
            elif param == "token":
                values[param] = default_token_generator.make_token(self.users["customer"])
            elif param == "key" and name == "operations:report":
                values[param] = "returns"  # the report every staff group may open
            else:
                raise AssertionError(
                    f"tests/core/world.py does not know path parameter {param!r} of {name}: "
                    "teach values_for() a valid value for it."
                )
        return values


def build_world() -> World:
    from contracts.services import ReservationItem, ReservationRequest, reservation_create
    from contracts.services.documents import document_upload, guarantor_set
    from service_tickets import services as ticket_services

    world = World()
    owner = UserFactory(username="world-customer")
    customer = CustomerFactory(user=owner, name="张伟", resident_id=make_resident_id(7))
    address = AddressFactory(customer=customer, contact_name="林晓", contact_phone="13912345678")
    technician = TechnicianFactory(username="world-tech")
    world.users = {
        "customer": owner,
        "technician": technician,
        **{
            group: StaffFactory(username=f"world-{group}", groups=[group])
            for group in ("front_desk", "warehouse", "finance", "manager")
        },
    }
    model = EquipmentModelFactory(slug="world-laptop")
    AssetFactory.create_batch(3, model=model)
    start = timezone.now().astimezone(SHANGHAI).replace(minute=0, second=0, microsecond=0)
    reservation = reservation_create(
        request=ReservationRequest(
            customer=customer,
            items=[ReservationItem(model=model, quantity=1)],
            starts_at=start + timedelta(days=3),
            ends_at=start + timedelta(days=5),
            fulfilment="delivery",
            address=address,
            tier="basic",
        ),
        by=owner,
    )
    contract = ContractFactory(
        customer=customer, address=address, units=[AssetFactory(model=model)]
    )
    ticket = ticket_services.ticket_open(
        contract=contract,
        asset=contract.units.first().asset,
        kind="hardware",
        description="The laptop does not start.",
        by=owner,
    )
    manager = world.users["manager"]
    if ticket.deadline is None:
        ticket_services.ticket_set_deadline(
            ticket=ticket, deadline=timezone.now() + timedelta(hours=6), by=manager
        )
    ticket = ticket_services.ticket_assign(ticket=ticket, technician=technician, by=manager)
    guarantor = guarantor_set(
        customer=customer,
        name="王芳",
        id_number=make_resident_id(500, born="19700101"),
        phone="13912345678",
        by=owner,
    )
    document = document_upload(
        customer=customer, kind="own_id", uploaded_file=png_upload(), by=owner
    )
    world.objects = {
        "customer": customer,
        "address": address,
        "model": model,
        "reservation": reservation,
        "contract": contract,
        "ticket": ticket,
        "guarantor": guarantor,
        "document": document,
    }
    return world
