"""Closing means settled: nothing owed after the deposit, a manager's write-off with a reason,
refunds with how they were paid, and the contract's open tickets cancelled with a note."""

from decimal import Decimal

import pytest
from django.urls import reverse

from contracts.models import Contract, DepositEntry
from contracts.services.charges import charge_add, deposit_entry_add, payment_record
from contracts.services.settlement import SettlementError, contract_write_off
from rental.core.errors import ApplicationError, NotAllowed
from service_tickets import services as ticket_services
from service_tickets.models import Ticket
from tests.factories import StaffFactory
from tests.service_tickets.factories import closed, contract_of, manager, open_ticket

pytestmark = pytest.mark.django_db


def _returned(*, owed: str, deposit: str = "0") -> Contract:
    contract = contract_of(tier="rapid", status="active")
    charge_add(contract=contract, kind="rent", amount=Decimal(owed), key=f"t:{contract.pk}:rent")
    if Decimal(deposit):
        deposit_entry_add(
            contract=contract, kind="collected", amount=Decimal(deposit), key=f"t:{contract.pk}:d"
        )
    Contract.objects.filter(pk=contract.pk).update(status="returned")
    contract.refresh_from_db()
    return contract


def test_a_contract_with_a_balance_cannot_close_until_paid():
    contract = _returned(owed="394.00")
    desk = StaffFactory()

    with pytest.raises(SettlementError) as refused:
        ticket_services.contract_close_with_tickets(contract=contract, by=desk)

    assert refused.value.code == "balance_owed"
    assert "¥394.00" in str(refused.value)
    contract.refresh_from_db()
    assert contract.status == "returned"
    payment_record(
        contract=contract, amount=Decimal("394.00"), method="wechat", reference="42000", by=desk
    )
    closed, _tickets = ticket_services.contract_close_with_tickets(contract=contract, by=desk)
    assert closed.status == "closed"


def test_only_a_manager_writes_off_and_only_with_a_reason_then_it_closes():
    contract = _returned(owed="394.00")
    desk, boss = StaffFactory(groups=["front_desk"]), manager()

    with pytest.raises(NotAllowed):
        contract_write_off(contract=contract, amount=Decimal("394.00"), reason="x", by=desk)
    with pytest.raises(SettlementError):
        contract_write_off(contract=contract, amount=Decimal("394.00"), reason="  ", by=boss)
    with pytest.raises(SettlementError):
        contract_write_off(contract=contract, amount=Decimal("400.00"), reason="破产", by=boss)
    assert contract.charges.count() == 1

    credit = contract_write_off(
        contract=contract, amount=Decimal("394.00"), reason="客户公司已注销", by=boss
    )

    assert (credit.kind, credit.amount) == ("adjustment", Decimal("-394.00"))
    closed, _ = ticket_services.contract_close_with_tickets(contract=contract, by=desk)
    assert closed.status == "closed"


def test_a_refund_records_how_it_was_paid_and_its_reference():
    contract = _returned(owed="1112.00", deposit="7850.00")
    desk = StaffFactory()

    with pytest.raises(ApplicationError) as no_method:
        ticket_services.contract_close_with_tickets(contract=contract, by=desk)
    assert no_method.value.code == "refund_method"
    with pytest.raises(ApplicationError) as no_reference:
        ticket_services.contract_close_with_tickets(
            contract=contract, by=desk, refund_method="alipay"
        )
    assert no_reference.value.code == "refund_reference"

    ticket_services.contract_close_with_tickets(
        contract=contract, by=desk, refund_method="alipay", refund_reference="2026120122001"
    )

    refund = contract.deposit_entries.get(kind=DepositEntry.Kind.REFUNDED)
    assert refund.amount == Decimal("6738.00")
    assert refund.details["method"] == "alipay"
    assert refund.details["reference"] == "2026120122001"


def test_closing_cancels_the_contracts_open_tickets_with_a_note():
    contract = contract_of(tier="rapid", status="active")
    ticket = open_ticket(contract)
    Contract.objects.filter(pk=contract.pk).update(status="returned")
    contract.refresh_from_db()

    ticket_services.contract_close_with_tickets(contract=contract, by=StaffFactory())

    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.CANCELLED
    assert ticket.cancel_reason == f"合同 {contract.number} 已结清并关闭。"
    assert ticket.clock_running is False


def test_the_close_page_asks_first_and_shows_what_happens_to_the_deposit(client):
    contract = _returned(owed="1112.00", deposit="7850.00")
    client.force_login(StaffFactory())

    page = client.get(reverse("contracts:desk_close", args=[contract.number])).content.decode()
    assert "¥6738.00" in page and "¥1112.00" in page
    unconfirmed = client.post(
        reverse("contracts:desk_close", args=[contract.number]),
        {"refund_method": "cash", "refund_reference": ""},
    )

    assert unconfirmed.status_code == 400
    assert "请勾选" in unconfirmed.content.decode()
    contract.refresh_from_db()
    assert contract.status == "returned"
    done = client.post(
        reverse("contracts:desk_close", args=[contract.number]),
        {"refund_method": "cash", "refund_reference": "", "confirm": "on"},
    )
    assert done.status_code == 302
    contract.refresh_from_db()
    assert contract.status == "closed"
    desk = client.get(reverse("contracts:desk", args=[contract.number])).content.decode()
    assert "结清时退还 · 现金" in desk


def test_an_overpayment_is_handed_back_once_then_the_contract_closes(client):
    from django.db import IntegrityError, transaction

    from contracts.models import Payment
    from contracts.services.charges import ChargeError, contract_statement, payment_refund

    contract = _returned(owed="394.00")
    desk = StaffFactory(groups=["front_desk"])
    # Typed 493 for 394: the customer has paid ¥99.00 too much.
    payment_record(contract=contract, amount=Decimal("493.00"), method="cash", by=desk)
    with pytest.raises(SettlementError) as overpaid:
        ticket_services.contract_close_with_tickets(contract=contract, by=desk)
    assert overpaid.value.code == "overpaid"

    client.force_login(desk)
    page = client.get(reverse("contracts:desk_close", args=[contract.number])).content.decode()
    assert "客户多付了 ¥99.00" in page and 'data-testid="refund-form"' in page
    assert "客户多付，待退还" in page and "¥-99.00" not in page
    for amount, method, reference, code in (
        ("100.00", "cash", "", "amount"),  # more than overpaid
        ("99.00", "wechat", "", "reference"),  # a transfer without its reference
        ("99.00", "deposit", "", "method"),
    ):
        with pytest.raises(ChargeError) as refused:
            payment_refund(
                contract=contract,
                amount=Decimal(amount),
                method=method,
                reference=reference,
                by=desk,
            )
        assert refused.value.code == code
    # The database refuses a refund beyond the overpayment even without the service.
    with pytest.raises(IntegrityError), transaction.atomic():
        Payment.objects.create(
            contract=contract, amount=Decimal("-99.01"), method="cash", received_by=desk
        )

    answer = client.post(
        reverse("contracts:desk_refund", args=[contract.number]),
        {"amount": "99.00", "method": "wechat", "reference": "4200009999"},
        follow=True,
    )
    assert "已向客户退还多付的 ¥99.00。" in answer.content.decode()
    statement = contract_statement(contract=contract)
    assert (statement.paid, statement.balance) == (Decimal("394.00"), Decimal("0.00"))
    assert "+¥99.00" in answer.content.decode()  # the statement's refund line
    again = client.post(
        reverse("contracts:desk_refund", args=[contract.number]),
        {"amount": "99.00", "method": "cash"},
        follow=True,
    )
    assert "退款金额须大于零，且不超过客户多付的 ¥0.00。" in again.content.decode()
    closed, _ = ticket_services.contract_close_with_tickets(contract=contract, by=desk)
    assert closed.status == "closed"


def test_the_close_page_writes_off_for_a_manager_and_refuses_the_front_desk(client):
    contract = _returned(owed="394.00")
    url = reverse("contracts:desk_write_off", args=[contract.number])

    client.force_login(StaffFactory(groups=["front_desk"]))
    assert client.post(url, {"amount": "394.00", "reason": "客户公司已注销"}).status_code == 403
    client.force_login(manager())
    done = client.post(url, {"amount": "394.00", "reason": "客户公司已注销"}, follow=True)

    assert "已核销 ¥394.00" in done.content.decode()
    assert contract.charges.get(kind="adjustment").amount == Decimal("-394.00")
    assert 'data-testid="close-form"' in done.content.decode()  # nothing owed: it can close


def test_a_ticket_closed_but_not_yet_billed_is_billed_before_the_contract_settles():
    """The billing task runs after the ticket's close commits; closing the contract before it
    has run (the workers busy or down, the task lost) must not settle without the fee."""
    contract = contract_of(tier="basic", status="active")
    ticket = closed(open_ticket(contract), fee=Decimal("90"))
    assert Ticket.objects.get(pk=ticket.pk).billed_at is None  # its task has not run
    Contract.objects.filter(pk=contract.pk).update(status="returned")
    desk = StaffFactory()

    with pytest.raises(SettlementError) as refused:
        ticket_services.contract_close_with_tickets(contract=contract, by=desk)

    assert refused.value.code == "balance_owed"
    assert "¥90.00" in str(refused.value)
    contract.refresh_from_db()
    assert contract.status == "returned"
    payment_record(contract=contract, amount=Decimal("90.00"), method="cash", reference="", by=desk)
    closed_contract, _tickets = ticket_services.contract_close_with_tickets(
        contract=contract, by=desk
    )
    assert closed_contract.status == "closed"
    assert list(contract.charges.values_list("amount", "kind")) == [(Decimal("90.00"), "service")]
    assert Ticket.objects.get(pk=ticket.pk).billed_amount == Decimal("90.00")
