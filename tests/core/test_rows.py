"""Instances read by written-out SQL (`rental.core.rows`) are the ORM's instances: every field in
its place, JSON decoded, and the columns after the model's handed back apart."""

import pytest
from django.urls import reverse

from catalog.models import Asset, EquipmentModel
from catalog.selectors import offered_with_stock
from rental.accounts.models import User
from rental.core import rows
from tests.factories import AssetFactory, CustomerFactory, EquipmentModelFactory

pytestmark = pytest.mark.django_db


def _values(instance) -> dict:
    return {f.attname: getattr(instance, f.attname) for f in type(instance)._meta.concrete_fields}


def test_a_model_read_by_written_out_sql_has_every_field_the_orm_reads():
    model = EquipmentModelFactory(specs={"cpu": "i7", "ram_gb": 32, "屏幕": "14 英寸"})
    AssetFactory.create_batch(2, model=model)
    AssetFactory(model=model, service_status=Asset.ServiceStatus.RETIRED)

    read = offered_with_stock([model.pk])[model.pk]

    assert _values(read) == _values(EquipmentModel.objects.get(pk=model.pk))
    assert read.specs["屏幕"] == "14 英寸"  # JSON decoded, as the ORM does
    assert read.units_in_service == 2  # a further column, beside the model's own
    assert str(read) == str(model)  # the brand read with it names the model
    assert read._state.adding is False  # saving it updates the row
    read.name = "Renamed"
    read.save(update_fields=["name"])
    assert EquipmentModel.objects.get(pk=model.pk).name == "Renamed"


def test_a_read_that_finds_nothing_returns_no_rows():
    sql = "SELECT {columns} FROM {user} u WHERE u.id = %s"
    assert rows.read(User, sql, [-1], alias="u", user=User) == []


def test_the_signed_in_user_is_read_each_request_and_a_deactivated_one_is_signed_out(client):
    customer = CustomerFactory()
    client.force_login(customer.user)
    assert client.get(reverse("contracts:reservation_list")).status_code == 200

    User.objects.filter(pk=customer.user.pk).update(is_active=False)

    response = client.get(reverse("contracts:reservation_list"))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]
