"""Reserving through the API: a quote with its explanation lines, a hold all-or-nothing, the
customer's own list, cancelling, the inspection; another customer sees none of it; wrong states
are 409; each change is an outbox event."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from contracts.models import Reservation
from rental.webhooks.models import Event
from tests.api.helpers import Api, token_for
from tests.factories import (
    AddressFactory,
    AssetFactory,
    CustomerFactory,
    EquipmentModelFactory,
    StaffFactory,
)

pytestmark = pytest.mark.django_db


def _start():
    now = timezone.localtime()
    return (now + timedelta(days=2)).replace(hour=9, minute=0, second=0, microsecond=0)


@pytest.fixture
def laptop():
    model = EquipmentModelFactory(slug="thinkpad", name="ThinkPad")
    AssetFactory.create_batch(2, model=model)
    return model


def _body(quantity=1, days=9):
    start = _start()
    return {
        "items": [{"model": "thinkpad", "quantity": quantity}],
        "start": start.isoformat(),
        "end": (start + timedelta(days=days)).isoformat(),
        "fulfilment": "collection",
        "tier": "basic",
    }


def test_a_customer_gets_a_quote_then_holds_units_and_sees_only_their_own(laptop):
    owner = CustomerFactory()
    api = Api(token_for(owner.user), language="en")
    other = Api(token_for(CustomerFactory().user))

    quote = api.post("quotes/", _body(quantity=2)).json()
    created = api.post("reservations/", _body(quantity=2))

    assert quote["rent"] == "420.00"
    assert quote["lines"][0]["breakdown"] == [
        {"unit": "week", "count": 1, "rate": "150.00", "label": "1 × week at ¥150.00"},
        {"unit": "day", "count": 2, "rate": "30.00", "label": "2 × day at ¥30.00"},
    ]
    assert quote["delivery_fee"] == "0.00"
    assert created.status_code == 201, created.content
    reservation = created.json()
    assert reservation["status"] == "held"
    assert reservation["quote"]["total"] == quote["total"]
    assert [line["quantity"] for line in reservation["lines"]] == [2]
    number = reservation["number"]
    assert [r["number"] for r in api.get("reservations/").json()["results"]] == [number]
    assert other.get("reservations/").json()["count"] == 0
    assert other.get(f"reservations/{number}/").status_code == 404
    assert other.post(f"reservations/{number}/cancel/").status_code == 404
    assert Reservation.objects.get(number=number).status == "held"
    assert list(Event.objects.values_list("type", "payload__number")) == [
        ("reservation.created", number)
    ]


def test_too_many_units_is_refused_and_nothing_is_held(laptop):
    api = Api(token_for(CustomerFactory().user), language="en")

    refused = api.post("reservations/", _body(quantity=3))

    assert refused.status_code == 400
    assert refused.json()["code"] == "quantity"
    assert refused.json()["message"] == f"We have only 2 units of {laptop} in all."
    assert not Reservation.objects.exists()
    assert not Event.objects.exists()


def test_cancelling_twice_is_a_409_and_the_event_is_sent_once(laptop):
    api = Api(token_for(CustomerFactory().user), language="en")
    number = api.post("reservations/", _body()).json()["number"]

    first = api.post(f"reservations/{number}/cancel/", {"reason": "Plans changed"})
    second = api.post(f"reservations/{number}/cancel/")

    assert (first.status_code, first.json()["status"]) == (200, "cancelled")
    assert second.status_code == 409
    assert second.json() == {
        "code": "wrong_status",
        "message": "This reservation can no longer be cancelled.",
        "fields": {},
    }
    assert list(Event.objects.order_by("id").values_list("type", flat=True)) == [
        "reservation.created",
        "reservation.cancelled",
    ]


def test_staff_reserve_for_a_customer_and_the_customer_sees_it(laptop):
    customer = CustomerFactory()
    staff = Api(token_for(StaffFactory()), language="en")

    missing = staff.post("reservations/", _body())
    made = staff.post("reservations/", {**_body(), "customer": customer.pk})

    assert missing.status_code == 400
    assert missing.json()["fields"] == {"customer": ["Choose the customer."]}
    assert made.status_code == 201
    mine = Api(token_for(customer.user)).get("reservations/").json()
    assert [r["number"] for r in mine["results"]] == [made.json()["number"]]


def test_a_token_without_the_write_scope_reads_but_cannot_reserve(laptop):
    customer = CustomerFactory()
    reader = Api(token_for(customer.user, scopes=["reservations:read"]), language="en")

    assert reader.get("reservations/").status_code == 200
    refused = reader.post("reservations/", _body())

    assert refused.status_code == 403
    assert refused.json()["code"] == "permission_denied"
    assert not Reservation.objects.exists()


def test_a_partner_website_quotes_delivery_without_a_token_at_the_customers_price(laptop):
    customer = CustomerFactory()
    address = AddressFactory(
        customer=customer, district="jimei", zone="xiamen_mainland", distance_km="25.0"
    )
    delivery = {**_body(quantity=2), "fulfilment": "delivery"}
    anonymous = Api(language="en")

    AddressFactory(district="siming", zone="base")  # someone else's
    own = Api(token_for(customer.user), language="en")

    public = anonymous.post("quotes/", {**delivery, "district": "jimei"})
    (listed,) = own.get("addresses/").json()["results"]
    signed_in = own.post("quotes/", {**delivery, "address": listed["id"]})

    assert (listed["id"], listed["district_name"]) == (address.pk, "Jimei District, Xiamen")
    assert public.status_code == 200, public.content
    quote, theirs = public.json(), signed_in.json()
    assert Decimal(quote["delivery_fee"]) > 0
    for key in ("rent", "delivery_fee", "pickup_fee", "delivery_explanation", "deposit", "total"):
        assert quote[key] == theirs[key], key
    assert quote["deposit_waived"] is False
    assert quote["waiver_missing"] == [
        "Sign in and tell us who is renting: the deposit is waived only against identity "
        "documents our staff have verified."
    ]
    assert not Reservation.objects.exists()
    assert anonymous.post("reservations/", delivery).status_code == 401


def test_a_public_quote_needs_the_site_and_never_uses_someone_elses_address(laptop):
    someone = AddressFactory(district="siming", zone="base")
    delivery = {**_body(), "fulfilment": "delivery"}
    anonymous = Api()

    no_site = anonymous.post("quotes/", {**delivery, "address": someone.pk})
    far = anonymous.post("quotes/", {**delivery, "district": "other"})
    given = anonymous.post("quotes/", {**delivery, "district": "other", "distance_km": "80"})

    assert no_site.status_code == 400
    assert no_site.json()["fields"] == {"district": ["请填写送货地址，或其所在的区。"]}
    assert far.status_code == 400
    assert far.json()["fields"] == {"distance_km": ["请填写该地区的场地到我司仓库的道路距离。"]}
    assert given.status_code == 200
    assert "80" in given.json()["delivery_explanation"]
