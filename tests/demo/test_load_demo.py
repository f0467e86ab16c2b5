import pytest
from django.core.management import call_command

from catalog.models import Asset, Brand, Category, EquipmentModel
from rental.accounts.models import User

pytestmark = pytest.mark.django_db


def test_demo_data_is_a_believable_company_and_loading_twice_adds_nothing():
    call_command("load_demo", quiet_progress=True)
    counts = (
        Brand.objects.count(),
        Category.objects.count(),
        EquipmentModel.objects.count(),
        Asset.objects.count(),
        User.objects.count(),
    )

    call_command("load_demo", quiet_progress=True)

    assert counts == (
        Brand.objects.count(),
        Category.objects.count(),
        EquipmentModel.objects.count(),
        Asset.objects.count(),
        User.objects.count(),
    )
    assert set(Brand.objects.values_list("name", flat=True)) == {
        "IBM",
        "HP",
        "Dell",
        "Philips",
        "ViewSonic",
        "Acer",
        "Toshiba",
        "NEC",
        "Sony",
        "Canon",
        "Lenovo",
    }
    assert Category.objects.count() == 6
    assert EquipmentModel.objects.count() >= 30
    assert 300 <= Asset.objects.count() <= 500
    assert set(User.objects.values_list("role", flat=True)) == {"customer", "staff", "technician"}
    manager = User.objects.get(username="manager")
    assert set(manager.groups.values_list("name", flat=True)) == {
        "manager",
        "front_desk",
        "finance",
        "warehouse",
    }
