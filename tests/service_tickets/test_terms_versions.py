"""Versioned tier terms: version 1 from the migration, new versions from staff, never rewritten."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.db.utils import InternalError, ProgrammingError
from django.urls import reverse
from django.utils import timezone

from rental.core.errors import ApplicationError
from service_tickets import services
from service_tickets.models import TermsVersion
from service_tickets.selectors import terms_in_force
from service_tickets.terms import PUBLISHED_TERMS
from tests.service_tickets.factories import StaffFactory, manager

pytestmark = pytest.mark.django_db


def test_version_1_is_the_published_terms_of_domain_md():
    version = TermsVersion.objects.get()

    assert version.version == 1
    assert version.terms() == PUBLISHED_TERMS
    assert terms_in_force() == PUBLISHED_TERMS


def test_staff_publish_a_new_version_and_it_applies_from_its_date():
    staff = StaffFactory()
    later = timezone.now() + timedelta(days=7)

    now_version = services.terms_version_create(
        changes={"taxi.per_km": "2.50"}, by=staff, note="Taxi tariff up"
    )
    future = services.terms_version_create(
        changes={"rapid.response_hours.base": 3}, by=staff, effective_from=later, note="Faster"
    )

    assert (now_version.version, future.version) == (2, 3)
    assert terms_in_force().taxi_per_km == Decimal("2.50")
    assert terms_in_force().rapid.response_hours["base"] == 4
    assert terms_in_force(at=later).rapid.response_hours["base"] == 3
    assert terms_in_force(at=later).taxi_per_km == Decimal("2.50")  # built on version 2
    assert terms_in_force().version == 2


def test_a_version_is_never_rewritten_or_deleted():
    version = TermsVersion.objects.get(version=1)

    with pytest.raises((InternalError, ProgrammingError, IntegrityError)), transaction.atomic():
        TermsVersion.objects.filter(pk=version.pk).update(note="changed")
    with pytest.raises((InternalError, ProgrammingError, IntegrityError)), transaction.atomic():
        TermsVersion.objects.filter(pk=version.pk).delete()


def test_the_number_inside_the_snapshot_matches_the_row():
    data = {**PUBLISHED_TERMS.to_dict(), "version": 5}

    with pytest.raises(IntegrityError), transaction.atomic():
        TermsVersion.objects.create(version=4, data=data, effective_from=timezone.now())


def test_only_staff_publish_and_bad_values_are_refused():
    with pytest.raises(ApplicationError):
        services.terms_version_create(changes={}, by=None)
    with pytest.raises(ApplicationError):
        services.terms_version_create(
            changes={"repair.hardware.base.min": "500"}, by=StaffFactory()
        )

    assert TermsVersion.objects.count() == 1


def test_editing_in_the_console_publishes_a_new_version(client):
    user = manager(is_superuser=False)
    client.force_login(user)
    add = reverse("admin:service_tickets_termsversion_add")
    form = client.get(add + "?from=1").context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if isinstance(value, list):
            data[name] = value
        elif value is not None:
            data[name] = str(value)
    data |= {
        "effective_from_0": timezone.localtime().strftime("%Y-%m-%d"),
        "effective_from_1": timezone.localtime().strftime("%H:%M:%S"),
        "note": "Value-added radius 15 km",
        "value_added.delivery.free_km": "15",
    }

    response = client.post(add, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    latest = TermsVersion.objects.order_by("-version").first()
    assert (latest.version, latest.created_by) == (2, user)
    assert latest.terms() == PUBLISHED_TERMS.with_overrides(
        {"value_added.delivery.free_km": "15", "version": 2}
    )
    view = client.get(reverse("admin:service_tickets_termsversion_change", args=[1]))
    assert view.status_code == 200
    assert "?from=1" in view.content.decode()
