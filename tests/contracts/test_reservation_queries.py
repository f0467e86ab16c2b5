"""What one reservation POST costs the database: a fixed number of queries, whatever its lines.

The customer, their user, the chosen models (with their units in service) and the address are
read once; the units of every line are locked in one query and their holds inserted in one; the
audit events are one INSERT. The notices are the worker's (`reservation_announce`). The count is
asserted exactly, so an N+1 over lines or units (or any new query) shows up here first.
"""

from datetime import date, datetime, time, timedelta

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from catalog.models import CalendarEntry
from catalog.services import calendar_place
from contracts.models import Reservation, ReservationUnit
from contracts.services import reservation_announce
from rental.accounts.models import User
from rental.core import policy
from rental.core.models import AuditEvent
from rental.core.timeutil import SHANGHAI
from rental.notifications.models import Notification
from tests.factories import (
    AddressFactory,
    AssetFactory,
    CustomerFactory,
    EquipmentModelFactory,
    StaffFactory,
)

# Transactional, so the service's transaction is a real one (BEGIN and COMMIT are not counted as
# queries) rather than a savepoint inside the test's, as in production.
pytestmark = pytest.mark.django_db(transaction=True)

# Read before the transaction: user (the session comes from the cache), customer with their
# guarantor (the waiver), chosen models with their stock, policy with the terms in force. In it:
# BEGIN, reservation number, free units locked and held (one statement), the reservation with its
# lines and their units (one statement), the webhook event with the endpoints that want it (one
# statement), audit events, COMMIT. 9 statements of work, 11 round trips with BEGIN and COMMIT
# (12 before the guarantor came with the customer). Without Redis (the embedded mode) the session
# is read from the database: one more.
QUERIES = 11 if settings.SESSION_ENGINE.endswith("cached_db") else 12


def _form(models, *, quantity=2) -> dict:
    start = (timezone.now().astimezone(SHANGHAI) + timedelta(days=3)).date()
    data = {
        "start_date": start.isoformat(),
        "start_hour": "9",
        "end_date": (start + timedelta(days=2)).isoformat(),
        "end_hour": "18",
        "fulfilment": "collection",
        "tier": "basic",
    }
    for n, model in enumerate(models):
        data[f"model_{n}"] = str(model.pk)
        data[f"quantity_{n}"] = str(quantity)
    return data


@pytest.mark.parametrize("lines", [1, 3])
def test_a_reservation_post_costs_the_same_queries_for_one_line_or_three(
    client, django_assert_num_queries, lines
):
    policy.current()  # the house policy row exists in any running system
    desk = StaffFactory(email="desk@example.com")
    desk.groups.add(Group.objects.get_or_create(name=User.StaffGroup.FRONT_DESK)[0])
    customer = CustomerFactory()
    models = [EquipmentModelFactory() for _ in range(lines)]
    for model in models:
        AssetFactory.create_batch(3, model=model)
    client.force_login(customer.user)

    with django_assert_num_queries(QUERIES):
        response = client.post(reverse("contracts:reservation_new"), _form(models))

    reservation = Reservation.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "contracts:reservation_detail", args=[reservation.number]
    )
    assert reservation.lines.count() == lines
    assert ReservationUnit.objects.filter(line__reservation=reservation).count() == 2 * lines
    assert CalendarEntry.objects.filter(is_active=True, note=reservation.number).count() == (
        2 * lines
    )
    assert sorted(AuditEvent.objects.values_list("action", flat=True)) == sorted(
        ["catalog.calendar.placed"] * lines + ["contracts.reservation.created"]
    )
    # The page did not wait for the notices: the worker records them.
    assert not Notification.objects.exists()
    assert reservation.announced_at is None

    assert reservation_announce(reservation_id=reservation.pk)

    assert sorted(Notification.objects.values_list("recipient", flat=True)) == sorted(
        [customer.email, "+8613812345678", "desk@example.com"]
    )


# A refusal shows the whole form again. Before the transaction: user, customer with guarantor, the
# customer's addresses (read once: the posted choice, the list and the hint to add one), chosen
# models with their stock, policy with terms. Then BEGIN, the number, the placing statement that
# finds too few units (it says how many it could take), when enough are free next, ROLLBACK; and
# for the page, the catalogue's models. 11 round trips (15 before the addresses were read once and
# the free units were no longer counted again, 12 before the guarantor came with the customer);
# one more without Redis, as above.
REFUSAL_QUERIES = QUERIES


def test_a_refused_reservation_shows_the_form_again_with_a_fixed_number_of_queries(
    client, django_assert_num_queries
):
    policy.current()
    customer = CustomerFactory()
    address = AddressFactory(customer=customer)
    AddressFactory(customer=customer, line="Old office", is_active=False)
    wanted, other = EquipmentModelFactory(), EquipmentModelFactory()
    AssetFactory.create_batch(3, model=wanted)
    AssetFactory.create_batch(3, model=other)
    data = {
        **_form([other, wanted], quantity=3),
        "quantity_0": "1",
        "fulfilment": "delivery",
        "address": str(address.pk),
    }
    starts_at = datetime.combine(date.fromisoformat(data["start_date"]), time(9), tzinfo=SHANGHAI)
    [taken] = calendar_place(
        model=wanted,
        quantity=1,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(days=2, hours=9),
        kind=CalendarEntry.Kind.HOLD,
    )
    client.force_login(customer.user)

    with django_assert_num_queries(REFUSAL_QUERIES):
        response = client.post(reverse("contracts:reservation_new"), data)

    assert response.status_code == 400
    page = response.content.decode()
    assert f"您要的 3 台 {wanted} 中只有 2 台空闲。" in page
    # The customer's choices are all still there: both lines, the active address chosen; the
    # address they retired is not offered.
    assert f'<option value="{other.pk}" selected>' in page
    assert f'<option value="{wanted.pk}" selected>' in page
    assert f'<option value="{address.pk}" selected>' in page
    assert "Old office" not in page
    assert "添加送货地址" not in page
    assert list(CalendarEntry.objects.all()) == [taken]
    assert not Reservation.objects.exists()
