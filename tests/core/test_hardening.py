"""Issue 10, item 1: each malformed input the probe found is refused with a clear message on the
same form, what was typed is kept, and nothing happens."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from contracts.models import Contract, Payment, Reservation
from contracts.services import ReservationItem, ReservationRequest, reservation_create
from rental.core.policy import RentalTooLong
from rental.core.timeutil import SHANGHAI
from service_tickets.terms import PUBLISHED_TERMS, TermsError
from tests.factories import (
    AssetFactory,
    ContractFactory,
    CustomerFactory,
    EquipmentModelFactory,
    StaffFactory,
    make_resident_id,
)

pytestmark = pytest.mark.django_db


def _start():
    return timezone.now().astimezone(SHANGHAI).replace(minute=0, second=0, microsecond=0)


@pytest.fixture
def held():
    model = EquipmentModelFactory()
    AssetFactory.create_batch(2, model=model)
    owner = CustomerFactory()
    return reservation_create(
        request=ReservationRequest(
            customer=owner,
            items=[ReservationItem(model=model, quantity=1)],
            starts_at=_start() + timedelta(days=3),
            ends_at=_start() + timedelta(days=5),
            fulfilment="collection",
            address=None,
            tier="basic",
        ),
        by=owner.user,
    )


# --- NUL bytes ------------------------------------------------------------------------------


def test_a_nul_byte_in_the_path_query_or_form_is_a_400_and_nothing_happens(client, held):
    client.force_login(StaffFactory())

    in_path = client.get("/reservations/%00/")
    in_query = client.get("/staff/contracts/?q=%00")
    in_form = client.post(
        reverse("contracts:staff_reservation_cancel", args=[held.number]), {"reason": "a\x00b"}
    )

    for response in (in_path, in_query, in_form):
        assert response.status_code == 400
        assert "网址或表单中含有我们无法接受的字符。" in response.content.decode()
    held.refresh_from_db()
    assert held.status == Reservation.Status.HELD


# --- next parameters ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/", "-1", "admin:index"]
)
def test_next_never_leads_off_the_site(client, held, target):
    client.force_login(StaffFactory())

    response = client.post(
        reverse("contracts:staff_inspection_confirm", args=[held.number]), {"next": target}
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("contracts:staff_board")


def test_the_address_form_returns_only_to_our_own_pages(client):
    customer = CustomerFactory()
    client.force_login(customer.user)
    data = {"district": "siming", "line": "软件园二期", "distance_km": "5", "label": ""}

    away = client.post(reverse("contracts:address_add"), {**data, "next": "https://evil.example"})
    home = client.post(reverse("contracts:address_add"), {**data, "next": "/reservations/new/"})

    assert away["Location"] == reverse("contracts:profile")
    assert home["Location"] == "/reservations/new/"


# --- query parameters -----------------------------------------------------------------------


def test_impossible_days_and_months_show_the_default_page(client):
    client.force_login(StaffFactory())
    today = _start().date()

    for url in (
        "/staff/reservations/?day=2026-02-30",
        "/staff/reservations/?day=9999-12-31",
        "/staff/reservations/?day=0001-01-01",
    ):
        response = client.get(url)
        assert response.status_code == 200
        assert response.context["day"] == today
    assert client.get("/service/staff/report/?month=9999-12").status_code == 200


def test_a_contract_pdf_in_an_unknown_language_is_a_clear_400(client):
    contract = ContractFactory(status="draft")
    client.force_login(contract.customer.user)

    response = client.get(reverse("contracts:contract_pdf", args=[contract.number]) + "?lang=xx-yy")

    assert response.status_code == 400
    assert "协议只能以中文或英文打印，不支持xx-yy。" in response.content.decode()


# --- dates and the longest rental -----------------------------------------------------------


def _reserve(client, customer, start_date, end_date, end_hour=18):
    model = EquipmentModelFactory(slug="reserve-me")
    AssetFactory(model=model)
    return client.post(
        reverse("contracts:reservation_new"),
        {
            "start_date": start_date,
            "start_hour": 9,
            "end_date": end_date,
            "end_hour": end_hour,
            "fulfilment": "collection",
            "tier": "basic",
            "model_0": model.pk,
            "quantity_0": 1,
        },
    )


def test_a_rental_ending_in_year_9999_is_refused_on_the_form_with_the_date_kept(client):
    customer = CustomerFactory()
    client.force_login(customer.user)
    start = (_start() + timedelta(days=2)).date().isoformat()

    response = _reserve(client, customer, start, "9999-12-31", end_hour=23)

    assert response.status_code == 400
    html = response.content.decode()
    assert "请输入2000年至2100年之间的日期。" in html
    assert 'value="9999-12-31"' in html
    assert not Reservation.objects.exists()


def test_a_rental_longer_than_the_policy_allows_is_refused():
    model = EquipmentModelFactory()
    AssetFactory(model=model)
    customer = CustomerFactory()
    with pytest.raises(RentalTooLong) as refused:
        reservation_create(
            request=ReservationRequest(
                customer=customer,
                items=[ReservationItem(model=model, quantity=1)],
                starts_at=_start() + timedelta(days=1),
                ends_at=_start() + timedelta(days=1 + 1097),
                fulfilment="collection",
                address=None,
                tier="basic",
            ),
            by=customer.user,
        )

    assert "租期最长为1096天（约3.0年）" in str(refused.value)
    assert not Reservation.objects.exists()


def test_an_extension_to_year_9999_or_beyond_the_policy_is_explained_and_changes_nothing(client):
    contract = ContractFactory()
    ends_at = contract.ends_at
    client.force_login(StaffFactory())
    url = reverse("contracts:desk_extend", args=[contract.number])

    far = client.post(url, {"end_date": "9999-12-31", "end_hour": 23}, follow=True)
    long = client.post(
        url,
        {"end_date": (ends_at + timedelta(days=4 * 365)).date().isoformat(), "end_hour": 18},
        follow=True,
    )

    assert "请输入2000年至2100年之间的日期。" in far.content.decode()
    assert "租期最长为1096天" in long.content.decode()
    contract.refresh_from_db()
    assert contract.ends_at == ends_at
    assert not contract.charges.filter(kind="rent").exists()


# --- contract terms -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("basic.response_hours.base", "9" * 100),
        ("rapid.response_hours.base", "8761"),
        ("taxi.flag_fall", "1e999"),
        ("taxi.flag_fall", "100001"),
        ("overtime.rate", "11"),
        ("basic.long_rental.days", "99999"),
        ("repair.hardware.units_per_block", "1001"),
    ],
)
def test_contract_terms_out_of_range_are_refused(key, value):
    with pytest.raises(TermsError):
        PUBLISHED_TERMS.with_overrides({key: value})


def test_a_huge_term_on_the_desk_is_explained_and_not_saved(client):
    contract = ContractFactory(status="draft", tier="basic")
    client.force_login(StaffFactory())

    response = client.post(
        reverse("contracts:desk_term", args=[contract.number]),
        {"key": "basic.response_hours.base", "value": "9" * 99},
        follow=True,
    )

    contract.refresh_from_db()
    assert contract.terms_overrides == {}
    assert 'class="msg error"' in response.content.decode()


# --- money, lengths ------------------------------------------------------------------------


def test_a_payment_over_one_million_is_refused(client):
    contract = ContractFactory()
    client.force_login(StaffFactory())

    response = client.post(
        reverse("contracts:desk_payment", args=[contract.number]),
        {"amount": "9999999999.99", "method": "cash"},
        follow=True,
    )

    assert "确保该值小于或等于1000000.00。" in response.content.decode()
    assert not Payment.objects.filter(contract=contract).exists()


def test_a_staff_cancel_reason_over_300_characters_is_explained(client, held):
    client.force_login(StaffFactory())

    response = client.post(
        reverse("contracts:staff_reservation_cancel", args=[held.number]),
        {"reason": "太" * 301},
        follow=True,
    )

    assert "确保该变量包含不超过 300 字符 (目前字符数 301)" in response.content.decode()
    held.refresh_from_db()
    assert held.status == Reservation.Status.HELD


# --- feedback that used to be missing ------------------------------------------------------


def test_an_invalid_address_on_the_staff_booking_page_is_explained_with_the_input_kept(client):
    customer = CustomerFactory()
    client.force_login(StaffFactory())

    response = client.post(
        reverse("contracts:staff_booking_for", args=[customer.pk]),
        {"form": "address", "district": "siming", "line": "软件园二期观日路", "distance_km": "-5"},
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert "确保该值大于或等于0" in html
    assert "软件园二期观日路" in html
    assert not customer.addresses.exists()


def test_an_outcome_for_a_reservation_not_at_inspection_is_explained(client, held):
    client.force_login(StaffFactory())

    response = client.post(
        reverse("contracts:staff_reservation", args=[held.number]), {"accepted": [], "reason": "x"}
    )

    assert response.status_code == 400
    assert 'data-testid="outcome-error"' in response.content.decode()
    held.refresh_from_db()
    assert held.status == Reservation.Status.HELD
    assert not Contract.objects.exists()


def test_the_profile_form_does_not_confirm_someone_elses_id_number(client):
    existing = CustomerFactory(resident_id=make_resident_id(42))
    stranger = CustomerFactory.build().user
    stranger.save()
    client.force_login(stranger)

    response = client.post(
        reverse("contracts:profile"),
        {
            "kind": "individual",
            "name": "李四",
            "phone": "13812345679",
            "resident_id": existing.resident_id,
        },
    )

    html = response.content.decode()
    assert "请联系前台" in html
    assert "已存在" not in html
    assert 'value="李四"' in html
    assert not type(existing).objects.filter(user=stranger).exists()
