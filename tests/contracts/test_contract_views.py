from decimal import Decimal

import pytest
from django.urls import reverse

from contracts.services import charges
from tests.factories import ContractFactory, CustomerFactory, StaffFactory, TechnicianFactory

pytestmark = pytest.mark.django_db


def test_another_customer_cannot_reach_a_contract_or_its_pdf(client):
    contract = ContractFactory()
    client.force_login(CustomerFactory().user)

    for name in ("contracts:contract_detail", "contracts:contract_pdf"):
        assert client.get(reverse(name, args=[contract.number])).status_code == 404, name
    assert contract.number not in client.get(reverse("contracts:contract_list")).content.decode()


def test_customers_and_technicians_cannot_use_the_contract_desk(client):
    contract = ContractFactory()
    for user in (contract.customer.user, TechnicianFactory()):
        client.force_login(user)
        for url in (
            reverse("contracts:desk", args=[contract.number]),
            reverse("contracts:desk_pdf", args=[contract.number]),
            reverse("contracts:desk_statement_csv", args=[contract.number]),
        ):
            assert client.get(url).status_code == 403, url
        response = client.post(reverse("contracts:desk_close", args=[contract.number]))
        assert response.status_code == 403


def test_logged_out_visitors_get_no_contract_pdf(client):
    contract = ContractFactory()

    response = client.get(reverse("contracts:contract_pdf", args=[contract.number]))

    assert response.status_code == 302
    assert not response.content.startswith(b"%PDF")


def test_the_owner_sees_the_statement_and_the_pdf(client):
    contract = ContractFactory()
    charges.charge_add(
        contract=contract,
        kind="service",
        amount=Decimal("80"),
        description="上门维修 · 硬件",
        key="t:1",
    )
    client.force_login(contract.customer.user)

    page = client.get(reverse("contracts:contract_detail", args=[contract.number])).content.decode()
    pdf = client.get(reverse("contracts:contract_pdf", args=[contract.number]))

    assert "上门维修 · 硬件" in page
    assert "¥80.00" in page
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")
    assert pdf["Cache-Control"] == "private, no-store"


def test_staff_export_the_statement_as_csv_that_excel_reads(client):
    contract = ContractFactory()
    charges.charge_add(
        contract=contract, kind="rent", amount=Decimal("240"), description="租金", key="t:2"
    )
    staff = StaffFactory()
    charges.payment_record(contract=contract, amount=Decimal("100"), method="wechat", by=staff)
    client.force_login(staff)

    response = client.get(reverse("contracts:desk_statement_csv", args=[contract.number]))

    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    lines = text.strip().splitlines()
    assert "租金,240.00," in lines[1]
    assert lines[-1] == "余额,,140.00,"


def test_staff_set_a_contract_term_on_the_desk_and_bad_values_are_explained(client):
    contract = ContractFactory(status="draft", tier="value_added")
    client.force_login(StaffFactory())
    url = reverse("contracts:desk_term", args=[contract.number])

    client.post(url, {"key": "value_added.delivery.free_km", "value": "20"})
    bad = client.post(url, {"key": "value_added.delivery.free_km", "value": "far"}, follow=True)

    contract.refresh_from_db()
    assert contract.terms_overrides == {"value_added.delivery.free_km": "20"}
    assert 'class="msg error"' in bad.content.decode()
    page = client.get(reverse("contracts:desk", args=[contract.number])).content.decode()
    # Read by its meaning with its unit, not by the key (the key stays only as the form value).
    assert "增值服务 · 免费送货半径（公里）: <strong>20 公里</strong>" in page
    assert ">value_added.delivery.free_km<" not in page


def test_a_payment_past_the_databases_bound_is_refused_with_a_message_and_not_recorded(client):
    contract = ContractFactory()
    client.force_login(StaffFactory())

    response = client.post(
        reverse("contracts:desk_payment", args=[contract.number]),
        {"amount": "9999999999.99", "method": "cash", "reference": ""},
        follow=True,
    )

    errors = [m for m in response.context["messages"] if m.level_tag == "error"]
    assert response.status_code == 200
    assert len(errors) == 1
    assert not contract.payments.exists()
