"""The HTTP benchmarks compare the app against floors served beside it (bench/urls.py): they must
answer through the app's own middleware, or every figure printed beside them is meaningless."""

from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils.timezone import now

from bench import settings as bench_settings
from rental.core.timeutil import local
from tests.factories import AssetFactory, EquipmentModelFactory

pytestmark = pytest.mark.django_db

FLOOR_SETTINGS = override_settings(ROOT_URLCONF="bench.urls", MIDDLEWARE=bench_settings.MIDDLEWARE)


def _one_unit_of_two_in_three_days() -> dict:
    """The reservation form's fields for one unit of a new model of two, 09:00–17:00 in 3 days."""
    model = EquipmentModelFactory()
    AssetFactory.create_batch(2, model=model)
    day = (local(now()) + timedelta(days=3)).date().isoformat()
    return {
        "model_0": model.pk,
        "quantity_0": 1,
        "start_date": day,
        "start_hour": "9",
        "end_date": day,
        "end_hour": "17",
    }


@FLOOR_SETTINGS
def test_the_trivial_floor_answers_anyone(client):
    response = client.get("/bench/trivial")
    assert response.status_code == 200
    assert response.content == b"ok"


@FLOOR_SETTINGS
def test_the_bare_floor_holds_free_units_and_refuses_when_none_are_left(client):
    form = _one_unit_of_two_in_three_days()
    answers = [client.post("/bench/bare-reserve", form).status_code for _ in range(3)]
    assert answers == [201, 201, 409]


@FLOOR_SETTINGS
def test_the_app_keeps_its_rules_on_the_bench_server(client):
    response = client.get("/staff/today/")
    assert response.status_code == 302  # to the login page, as in the app


@FLOOR_SETTINGS
def test_the_signed_in_form_floor_wants_a_customer_and_a_valid_form_and_reserves_nothing(client):
    from contracts.models import Reservation
    from tests.factories import CustomerFactory

    form = {**_one_unit_of_two_in_three_days(), "fulfilment": "collection", "tier": "basic"}
    assert client.post("/bench/signed-in-form", form).status_code == 302  # to the login page
    client.force_login(CustomerFactory().user)

    assert client.post("/bench/signed-in-form", form)["Location"] == "/bench/trivial"
    assert client.post("/bench/signed-in-form", {**form, "tier": ""}).status_code == 400
    assert not Reservation.objects.exists()
