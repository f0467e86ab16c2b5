"""One small world of data for the API's matrix and schemathesis: a catalogue, two customers
(the owner and another), a technician, the front desk and a manager, each with a token."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.contrib.auth.models import Group

from rental.api import tokens
from tests.factories import (
    AssetFactory,
    BrandFactory,
    CategoryFactory,
    CustomerFactory,
    EquipmentModelFactory,
    StaffFactory,
    TechnicianFactory,
    UserFactory,
)

ROLES = ("anonymous", "owner", "other_customer", "technician", "staff")


@dataclass
class World:
    users: dict = field(default_factory=dict)
    tokens: dict = field(default_factory=dict)
    objects: dict = field(default_factory=dict)

    def token(self, role: str) -> str | None:
        return self.tokens.get(role)

    def token_for_operation(self, operation) -> str | None:
        """Staff reach every operation; schemathesis calls with their token."""
        return self.tokens["staff"]

    def period_query(self) -> str:
        """Tomorrow 09:00 to 18:00, Shanghai time, as query parameters."""
        from datetime import timedelta
        from urllib.parse import urlencode

        from django.utils import timezone

        start = (timezone.localtime() + timedelta(days=1)).replace(
            hour=9, minute=0, second=0, microsecond=0
        )
        end = start + timedelta(hours=9)
        return urlencode({"start": start.isoformat(), "end": end.isoformat()})

    def known_path_values(self) -> dict[str, list]:
        o = self.objects
        return {
            "slug": [o["model"].slug, o["category"].slug, o["brand"].slug],
            "id": [
                o["staff_token_id"],
                o["owner_token_id"],
                o["owner_customer"].pk,
                o["document"].pk,
                o["address"].pk,
            ],
            "number": [o["reservation"].number, o["contract"].number, o["ticket"].number],
        }

    def reservation_body(self, days_ahead: int = 20) -> dict:
        from datetime import timedelta

        from django.utils import timezone

        start = (timezone.localtime() + timedelta(days=days_ahead)).replace(
            hour=9, minute=0, second=0, microsecond=0
        )
        return {
            "items": [{"model": "thinkpad-t14", "quantity": 1}],
            "start": start.isoformat(),
            "end": (start + timedelta(days=2)).isoformat(),
            "fulfilment": "collection",
            "tier": "basic",
            "customer": self.objects["owner_customer"].pk,
        }


def build_world() -> World:
    world = World()
    category = CategoryFactory(slug="laptops", name_zh="笔记本电脑", name_en="Laptops")
    brand = BrandFactory(slug="lenovo", name="Lenovo", name_zh="联想")
    model = EquipmentModelFactory(
        name="ThinkPad T14",
        slug="thinkpad-t14",
        category=category,
        brand=brand,
        hour_rate=Decimal("5"),
        day_rate=Decimal("30"),
        week_rate=Decimal("150"),
        month_rate=Decimal("400"),
    )
    AssetFactory.create_batch(3, model=model)
    owner = CustomerFactory(user=UserFactory(username="owner"))
    other = CustomerFactory(user=UserFactory(username="other"))
    technician = TechnicianFactory(username="tech")
    staff = StaffFactory(username="manager")
    staff.groups.add(Group.objects.get(name="manager"))
    desk = StaffFactory(username="desk")
    desk.groups.add(Group.objects.get(name="front_desk"))
    world.users = {
        "owner": owner.user,
        "other_customer": other.user,
        "technician": technician,
        "staff": staff,
        "desk": desk,
    }
    for role, user in world.users.items():
        world.tokens[role] = tokens.token_issue(user=user, device="world")[1]
    from contracts import services as contract_services
    from service_tickets import services as ticket_services
    from tests.api.helpers import png_file
    from tests.factories import AddressFactory
    from tests.service_tickets.factories import contract_of

    address = AddressFactory(customer=owner)
    world.objects = {"owner_customer": owner}
    body = world.reservation_body(days_ahead=10)
    reservation = contract_services.reservation_create(
        request=contract_services.ReservationRequest(
            customer=owner,
            items=(contract_services.ReservationItem(model=model, quantity=1),),
            starts_at=datetime.fromisoformat(body["start"]),
            ends_at=datetime.fromisoformat(body["end"]),
            fulfilment="delivery",
            address=address,
            tier="basic",
        ),
        by=owner.user,
    )
    contract = contract_of(customer=owner, tier="rapid", days=3)
    # Active, so out with the customer: every unit was handed over when it started.
    contract.units.update(handed_over_at=contract.starts_at)
    ticket = ticket_services.ticket_open(
        contract=contract,
        asset=contract.units.get().asset,
        kind="hardware",
        description="Does not start.",
        by=owner.user,
    )
    ticket = ticket_services.ticket_assign(ticket=ticket, technician=technician, by=staff)
    document = contract_services.document_upload(
        customer=owner, kind="own_id", uploaded_file=png_file(), by=owner.user
    )
    world.objects.update(
        {
            "document": document,
            "address": address,
            "reservation": reservation,
            "contract": contract,
            "ticket": ticket,
            "unit": contract.units.get().asset,
            "category": category,
            "brand": brand,
            "model": model,
            "owner_customer": owner,
            "other_customer": other,
            "staff_token_id": staff.api_tokens.get().pk,
            "owner_token_id": owner.user.api_tokens.get().pk,
        }
    )
    return world
