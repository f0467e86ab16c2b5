"""The contract desk through the API with a staff token: confirm the inspection, record its
outcome, confirm the distance, sign, hand over by tag, extend, check a damaged unit back in,
take the payment and close with the refund; the customer reads their statement, deposit ledger
and PDF, another customer none of it. Refusals are JSON in the caller's language."""

import base64
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from PIL import Image

from contracts.models import Contract
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


def _signature() -> str:
    buffer = io.BytesIO()
    Image.new("RGB", (120, 40), (250, 250, 250)).save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


@pytest.fixture
def booked():
    """A customer's delivery reservation of one laptop with the inspection booked at the site."""
    model = EquipmentModelFactory(slug="thinkpad", name="ThinkPad", deposit_amount=Decimal("500"))
    AssetFactory(model=model, asset_tag="XSS-0001")
    customer = CustomerFactory()
    address = AddressFactory(customer=customer)
    start = (timezone.localtime() + timedelta(days=2)).replace(
        hour=9, minute=0, second=0, microsecond=0
    )
    api = Api(token_for(customer.user))
    made = api.post(
        "reservations/",
        {
            "items": [{"model": "thinkpad", "quantity": 1}],
            "start": start.isoformat(),
            "end": (start + timedelta(days=3)).isoformat(),
            "fulfilment": "delivery",
            "address": address.pk,
            "tier": "basic",
        },
    )
    assert made.status_code == 201, made.content
    number = made.json()["number"]
    assert api.post(f"reservations/{number}/inspection/", {"place": "site"}).status_code == 200
    return {"customer": customer, "api": api, "number": number}


def test_the_desk_runs_a_contract_from_inspection_to_closing_and_the_customer_reads_it(booked):
    staff = Api(token_for(StaffFactory()), language="en")
    number = booked["number"]

    confirmed = staff.post(f"reservations/{number}/inspection/confirm/")
    assert confirmed.status_code == 200, confirmed.content
    assert confirmed.json()["inspection"]["status"] == "confirmed"

    outcome = staff.post(f"reservations/{number}/outcome/", {"accepted_units": ["XSS-0001"]})
    assert (outcome.json()["status"], outcome.status_code) == ("accepted", 200)
    contract = outcome.json()["contract"]
    assert contract == Contract.objects.get().number

    # Delivery: the road distance is confirmed before signing, in the staff member's language.
    early = staff.post(f"contracts/{contract}/sign/", {"place": "office"})
    assert early.status_code == 400
    assert early.json()["code"] == "distance_unconfirmed"
    assert early.json()["message"] == (
        "Confirm the road distance to the site before signing: the trip fees use it."
    )
    distance = staff.post(f"contracts/{contract}/distance/", {"distance_km": "7.0"})
    assert distance.json()["distance_km"] == "7.0"
    assert distance.json()["distance_confirmed_at"] is not None

    signed = staff.post(
        f"contracts/{contract}/sign/", {"place": "office", "signature": _signature()}
    )
    assert (signed.status_code, signed.json()["status"]) == (200, "signed")
    assert Contract.objects.get().pdf, "the signed contract's PDF is kept"
    again = staff.post(f"contracts/{contract}/sign/", {"place": "office"})
    assert again.status_code == 409

    wrong = staff.post(f"contracts/{contract}/handover/", {"asset_tag": "XSS-9999"})
    assert (wrong.status_code, wrong.json()["code"]) == (400, "wrong_unit")
    out = staff.post(f"contracts/{contract}/handover/", {"asset_tag": "xss-0001"})
    assert out.json()["status"] == "active"
    assert out.json()["units"][0]["handed_over_at"] is not None

    ends_at = Contract.objects.get().ends_at
    extended = staff.post(
        f"contracts/{contract}/extend/", {"ends_at": (ends_at + timedelta(days=1)).isoformat()}
    )
    assert extended.status_code == 200, extended.content
    assert Contract.objects.get().ends_at == ends_at + timedelta(days=1)

    no_cost = staff.post(
        f"contracts/{contract}/return/", {"asset_tag": "XSS-0001", "condition": "damaged"}
    )
    assert (no_cost.status_code, no_cost.json()["code"]) == (400, "damage_amount")
    returned = staff.post(
        f"contracts/{contract}/return/",
        {
            "asset_tag": "XSS-0001",
            "condition": "damaged",
            "damage_amount": "120.00",
            "missing_accessories": ["电源适配器"],
            "notes": "Cracked hinge",
        },
    )
    assert returned.json()["status"] == "returned", returned.content
    assert returned.json()["units"][0]["returned_at"] is not None

    ledger = booked["api"].get(f"contracts/{contract}/deposit/", Accept_Language="en")
    assert ledger.status_code == 200
    assert [(e["kind"], e["amount"]) for e in ledger.json()["entries"]] == [
        ("collected", "500.00"),
        ("deducted", "120.00"),
    ]
    assert ledger.json()["held"] == "380.00"
    assert ledger.json()["entries"][1]["description"] == (
        "Deducted · Damage to XSS-0001 · missing: Power adapter"
    )

    owed = staff.get(f"contracts/{contract}/statement/").json()["balance"]
    paid = staff.post(f"contracts/{contract}/payment/", {"amount": owed, "method": "wechat"})
    assert paid.json()["balance"] == "0.00"
    bad_method = staff.post(f"contracts/{contract}/payment/", {"amount": "1.00", "method": "gold"})
    assert bad_method.status_code == 400
    assert set(bad_method.json()["fields"]) == {"method"}

    closed = staff.post(f"contracts/{contract}/close/", {"refund_method": "cash"})
    assert (closed.status_code, closed.json()["status"]) == (200, "closed"), closed.content
    ledger = booked["api"].get(f"contracts/{contract}/deposit/").json()
    assert ledger["held"] == "0.00"
    assert ledger["entries"][-1]["kind"] == "refunded"

    statement = booked["api"].get(f"contracts/{contract}/statement/").json()
    assert statement["balance"] == "0.00"
    assert [e for e in Event.objects.order_by("id").values_list("type", flat=True)] == [
        "reservation.created",
        "inspection.booked",
        "contract.signed",
        "contract.handed_over",
        "contract.returned",
        "payment.recorded",
        "deposit.refunded",
        "contract.closed",
    ]


def test_the_customer_gets_their_contract_as_pdf_and_nobody_else_does(booked):
    staff = Api(token_for(StaffFactory()))
    number = booked["number"]
    staff.post(f"reservations/{number}/outcome/", {"accepted_units": ["XSS-0001"]})
    contract = Contract.objects.get().number

    # A draft has no stored file: it is rendered on demand, in the language asked for.
    pdf = booked["api"].get(f"contracts/{contract}/pdf/", {"lang": "en"}, Accept="application/pdf")
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content if pdf.streaming else [pdf.content]).startswith(b"%PDF")

    other = Api(token_for(CustomerFactory().user))
    refused = other.get(f"contracts/{contract}/pdf/", Accept="application/pdf")
    assert refused.status_code == 404
    assert refused["Content-Type"] == "application/json"
    assert refused.json()["code"] == "not_found"
    unknown = booked["api"].get(f"contracts/{contract}/pdf/", {"lang": "fr"})
    assert (unknown.status_code, set(unknown.json()["fields"])) == (400, {"lang"})


def test_desk_actions_are_staff_only_and_refusals_are_in_chinese_by_default(booked):
    number = booked["number"]
    Api(token_for(StaffFactory())).post(
        f"reservations/{number}/outcome/", {"accepted_units": ["XSS-0001"]}
    )
    contract = Contract.objects.get().number

    refused = booked["api"].post(f"contracts/{contract}/sign/", {"place": "office"})
    wrong_state = Api(token_for(StaffFactory())).post(
        f"contracts/{contract}/return/", {"asset_tag": "XSS-0001", "condition": "good"}
    )

    assert refused.status_code == 403
    assert wrong_state.status_code == 409
    assert refused.json()["message"] == "您没有执行该操作的权限。"
    assert wrong_state.json()["code"] == "wrong_status"
    assert wrong_state.json()["message"] == f"{contract} 当前状态为“草稿”，现在不能进行此操作。"
    assert Contract.objects.get().status == "draft"


def test_the_desk_changes_a_deposit_before_signing_and_a_manager_writes_off_the_rest(booked):
    desk = Api(token_for(StaffFactory(groups=["front_desk", "finance"])))
    manager = Api(token_for(StaffFactory()), language="en")
    number = booked["number"]
    desk.post(f"reservations/{number}/outcome/", {"accepted_units": ["XSS-0001"]})
    contract = Contract.objects.get().number

    no_reason = desk.post(f"contracts/{contract}/deposit/change/", {"amount": "200.00"})
    assert (no_reason.status_code, set(no_reason.json()["fields"])) == (400, {"reason"})
    changed = desk.post(
        f"contracts/{contract}/deposit/change/", {"amount": "200.00", "reason": "老客户，押金减半"}
    )
    assert (changed.status_code, changed.json()["deposit_amount"]) == (200, "200.00")
    assert Contract.objects.get().deposit_note == "老客户，押金减半"

    desk.post(f"contracts/{contract}/distance/", {"distance_km": "7.0"})
    desk.post(f"contracts/{contract}/sign/", {"place": "office", "signature": _signature()})
    frozen = desk.post(
        f"contracts/{contract}/deposit/change/", {"amount": "0.00", "reason": "too late"}
    )
    assert frozen.status_code == 409
    desk.post(f"contracts/{contract}/handover/", {"asset_tag": "XSS-0001"})
    desk.post(
        f"contracts/{contract}/return/",
        {"asset_tag": "XSS-0001", "condition": "damaged", "damage_amount": "300.00"},
    )
    held = Decimal(desk.get(f"contracts/{contract}/deposit/").json()["held"])
    assert held == 0  # the damage took the whole 200 deposit, and 100 more is charged
    owed = Decimal(desk.get(f"contracts/{contract}/statement/").json()["balance"]) - held
    assert owed > 100  # the rent, the trips and the rest of the damage

    not_manager = desk.post(
        f"contracts/{contract}/write-off/", {"amount": "10.00", "reason": "小额尾款"}
    )
    assert (not_manager.status_code, not_manager.json()["message"]) == (
        403,
        "只有经理可以核销余额。",
    )
    too_much = manager.post(
        f"contracts/{contract}/write-off/", {"amount": str(owed + 1), "reason": "Bad debt"}
    )
    assert (too_much.status_code, too_much.json()["code"]) == (400, "amount")
    written = manager.post(
        f"contracts/{contract}/write-off/", {"amount": str(owed), "reason": "Bad debt"}
    )
    assert written.status_code == 200, written.content
    assert written.json()["balance"] == "0.00"
    assert written.json()["charges"][-1]["description"] == "Written off by a manager: Bad debt"
    closed = manager.post(f"contracts/{contract}/close/")
    assert (closed.status_code, closed.json()["status"]) == (200, "closed"), closed.content
    assert desk.get(f"contracts/{contract}/statement/").json()["balance"] == "0.00"
