"""The terms in force and the house policy are read on every request (one query for both); only
the parsing of a version's data is kept per process, so what staff publish or edit is what the
very next reservation prices with, in every process."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from rental.core import policy
from service_tickets import services
from service_tickets.selectors import policy_and_terms_in_force, terms_in_force
from tests.service_tickets.factories import StaffFactory

pytestmark = pytest.mark.django_db


def test_a_published_version_is_what_the_next_read_returns():
    staff = StaffFactory()
    house, before = policy_and_terms_in_force()  # the parse of version 1 is now kept
    assert before.version == 1
    assert terms_in_force() is before  # parsed once, shared

    services.terms_version_create(changes={"taxi.per_km": "2.50"}, by=staff, note="Taxi up")
    _house, after = policy_and_terms_in_force()

    assert after.version == 2
    assert after.taxi_per_km == Decimal("2.50")
    assert terms_in_force() is after


def test_a_version_published_for_later_applies_when_its_time_comes():
    staff = StaffFactory()
    later = timezone.now() + timedelta(days=7)
    services.terms_version_create(
        changes={"rapid.response_hours.base": 3}, by=staff, effective_from=later, note="Faster"
    )

    assert policy_and_terms_in_force()[1].version == 1
    assert policy_and_terms_in_force(at=later)[1].version == 2
    assert policy_and_terms_in_force(at=later)[1].rapid.response_hours["base"] == 3


def test_an_edited_house_policy_is_what_the_next_read_returns():
    house = policy.current()
    policy_and_terms_in_force()
    house.hold_expiry_hours = house.hold_expiry_hours + 5
    house.save()

    assert policy_and_terms_in_force()[0].hold_expiry_hours == house.hold_expiry_hours


def test_a_new_database_gets_its_policy_row_on_the_first_read():
    policy.current().delete()

    house, terms = policy_and_terms_in_force()

    assert house.pk == policy.POLICY_PK
    assert terms.version == 1
