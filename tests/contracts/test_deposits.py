"""contracts.deposits: the deposit waiver and the deposit per unit."""

from datetime import date
from decimal import Decimal

import pytest
from django.utils import translation

from contracts import deposits
from contracts.deposits import DepositError, WaiverDecision
from rental.core.errors import ApplicationError

from .test_identity import (
    credit_code,
    resident_id,
    resident_id_born,
    resident_id_ending_in_x,
    with_wrong_last_character,
)

ON = date(2025, 6, 15)
COMPANY_CODE = credit_code("91350206MA31P8XQ4")
REPRESENTATIVE = resident_id("350203", "19750310", "051")
CUSTOMER = resident_id("350583", "19980704", "026")  # Nan'an, Quanzhou
XIAMEN_GUARANTOR = resident_id("350206", "19700521", "013")  # Huli
FUZHOU_GUARANTOR = resident_id("350102", "19680112", "044")  # Gulou, Fuzhou


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def company(**changes):
    """A company whose documents all qualify, with `changes` applied."""
    values = {
        "customer_kind": "company",
        "credit_code": COMPANY_CODE,
        "licence_verified": True,
        "representative_id": REPRESENTATIVE,
        "representative_id_verified": True,
        "own_id": None,
        "own_id_verified": False,
        "guarantor_id": None,
        "guarantor_id_verified": False,
        "guarantor_xiamen_household_confirmed": False,
        "on": ON,
    }
    values.update(changes)
    return deposits.deposit_waiver(**values)


def individual(**changes):
    """An individual whose documents and guarantor all qualify, with `changes` applied."""
    values = {
        "customer_kind": "individual",
        "credit_code": None,
        "licence_verified": False,
        "representative_id": None,
        "representative_id_verified": False,
        "own_id": CUSTOMER,
        "own_id_verified": True,
        "guarantor_id": XIAMEN_GUARANTOR,
        "guarantor_id_verified": True,
        "guarantor_xiamen_household_confirmed": True,
        "on": ON,
    }
    values.update(changes)
    return deposits.deposit_waiver(**values)


# --- Companies


def test_company_with_verified_licence_and_representative_id_is_waived():
    # given / when
    decision = company()
    # then
    assert decision == WaiverDecision(waived=True, missing=())
    assert decision.missing == ()


@pytest.mark.parametrize(
    ("changes", "missing"),
    [
        (
            {"credit_code": None},
            "Upload a copy of the business licence and enter its unified social credit code",
        ),
        (
            {"credit_code": "  "},
            "Upload a copy of the business licence and enter its unified social credit code",
        ),
        (
            {"credit_code": with_wrong_last_character(COMPANY_CODE)},
            "The unified social credit code of the business licence has an invalid check character",
        ),
        (
            {"credit_code": COMPANY_CODE[:-1]},
            "The unified social credit code of the business licence does not have 18 characters",
        ),
        (
            {"credit_code": COMPANY_CODE[:-2] + "O" + COMPANY_CODE[-1]},
            "The unified social credit code of the business licence contains characters "
            "that are not allowed",
        ),
        (
            {"licence_verified": False},
            "The business licence has not been verified by staff yet",
        ),
        (
            {"representative_id": None},
            "Upload a copy of the responsible person's ID card",
        ),
        (
            {"representative_id": with_wrong_last_character(REPRESENTATIVE)},
            "The responsible person's ID number has an invalid check digit",
        ),
        (
            {"representative_id": resident_id("350203", "19750231", "051")},
            "The responsible person's ID number does not contain a valid birth date",
        ),
        (
            {"representative_id_verified": False},
            "The responsible person's ID card has not been verified by staff yet",
        ),
    ],
)
def test_company_missing_one_item_is_not_waived(changes, missing):
    # given a company with exactly one item wrong
    # when
    decision = company(**changes)
    # then
    assert decision.waived is False
    assert decision.missing == (missing,)


def test_company_with_nothing_lists_both_documents():
    # given a company that has uploaded nothing (unverified flags are implied)
    # when
    decision = company(
        credit_code=None,
        licence_verified=False,
        representative_id=None,
        representative_id_verified=False,
    )
    # then
    assert decision.missing == (
        "Upload a copy of the business licence and enter its unified social credit code",
        "Upload a copy of the responsible person's ID card",
    )


def test_company_with_invalid_unverified_documents_lists_every_problem():
    # given a company whose numbers are both wrong and not yet verified
    # when
    decision = company(
        credit_code=with_wrong_last_character(COMPANY_CODE),
        licence_verified=False,
        representative_id=with_wrong_last_character(REPRESENTATIVE),
        representative_id_verified=False,
    )
    # then
    assert decision.missing == (
        "The unified social credit code of the business licence has an invalid check character",
        "The business licence has not been verified by staff yet",
        "The responsible person's ID number has an invalid check digit",
        "The responsible person's ID card has not been verified by staff yet",
    )


def test_company_ignores_individual_documents():
    # given a company that also entered an invalid personal ID and guarantor
    # when
    decision = company(own_id="nonsense", guarantor_id="nonsense")
    # then
    assert decision.waived is True


# --- Individuals


def test_individual_with_verified_ids_and_confirmed_xiamen_guarantor_is_waived():
    # given / when
    decision = individual()
    # then
    assert decision == WaiverDecision(waived=True, missing=())


def test_individual_ignores_company_documents():
    # given an individual who also typed an invalid credit code
    # when / then
    assert individual(credit_code="nonsense").waived is True


def test_guarantor_with_3502_number_but_unconfirmed_household_is_not_waived():
    # given a guarantor whose number was issued in Xiamen, household not confirmed by staff
    # when
    decision = individual(guarantor_id=XIAMEN_GUARANTOR, guarantor_xiamen_household_confirmed=False)
    # then
    assert decision.waived is False
    assert decision.missing == (
        "Staff have not yet confirmed the guarantor's Xiamen household registration",
    )


def test_guarantor_with_other_number_but_confirmed_household_is_waived():
    # given a guarantor with a Fuzhou number whose household moved to Xiamen, confirmed by staff
    # when
    decision = individual(guarantor_id=FUZHOU_GUARANTOR, guarantor_xiamen_household_confirmed=True)
    # then
    assert decision == WaiverDecision(waived=True, missing=())


@pytest.mark.parametrize(
    ("changes", "missing"),
    [
        ({"own_id": None}, "Upload a copy of the customer's own ID card"),
        ({"own_id": ""}, "Upload a copy of the customer's own ID card"),
        (
            {"own_id": with_wrong_last_character(CUSTOMER)},
            "The customer's ID number has an invalid check digit",
        ),
        ({"own_id": CUSTOMER[:-1]}, "The customer's ID number does not have 18 characters"),
        (
            {"own_id": CUSTOMER[:10] + "A" + CUSTOMER[11:]},
            "The customer's ID number must be 17 digits followed by a digit or X",
        ),
        (
            {"own_id": resident_id("350583", "19981301", "026")},
            "The customer's ID number does not contain a valid birth date",
        ),
        ({"own_id_verified": False}, "The customer's ID card has not been verified by staff yet"),
        (
            {"guarantor_id": None},
            "Upload a copy of the ID card of a guarantor with Xiamen household registration",
        ),
        (
            {"guarantor_id": with_wrong_last_character(XIAMEN_GUARANTOR)},
            "The guarantor's ID number has an invalid check digit",
        ),
        (
            {"guarantor_id": resident_id("350206", "19700229", "013")},
            "The guarantor's ID number does not contain a valid birth date",
        ),
        (
            {"guarantor_id": resident_id_born(date(2025, 6, 16), region="350206")},
            "The guarantor's ID number does not contain a valid birth date",
        ),
        (
            {"guarantor_id_verified": False},
            "The guarantor's ID card has not been verified by staff yet",
        ),
    ],
)
def test_individual_missing_one_item_is_not_waived(changes, missing):
    # given an individual with exactly one item wrong
    # when
    decision = individual(**changes)
    # then
    assert decision.waived is False
    assert decision.missing == (missing,)


def test_guarantor_one_day_short_of_eighteen_is_not_accepted():
    # given a guarantor aged 17 years and 364 days on the day of the decision
    guarantor = resident_id_born(date(2007, 6, 16), region="350206")
    # when
    decision = individual(guarantor_id=guarantor)
    # then
    assert decision.waived is False
    assert decision.missing == ("The guarantor must be an adult (18 or older)",)


def test_guarantor_turning_eighteen_that_day_is_accepted():
    # given a guarantor whose 18th birthday is the day of the decision
    guarantor = resident_id_born(date(2007, 6, 15), region="350206")
    # when
    decision = individual(guarantor_id=guarantor)
    # then
    assert decision == WaiverDecision(waived=True, missing=())


def test_guarantor_born_29_february_is_adult_from_1_march():
    # given a guarantor born on 29 February 2008
    guarantor = resident_id_born(date(2008, 2, 29), region="350206")
    # when
    on_28_february = individual(guarantor_id=guarantor, on=date(2026, 2, 28))
    on_1_march = individual(guarantor_id=guarantor, on=date(2026, 3, 1))
    # then
    assert on_28_february.missing == ("The guarantor must be an adult (18 or older)",)
    assert on_1_march.waived is True


def test_guarantor_cannot_be_the_customer():
    # given the customer names themself as guarantor
    # when
    decision = individual(own_id=XIAMEN_GUARANTOR, guarantor_id=XIAMEN_GUARANTOR)
    # then
    assert decision.waived is False
    assert decision.missing == ("The guarantor cannot be the customer",)


def test_guarantor_cannot_be_the_customer_typed_differently():
    # given the same number ending in X, once with a lowercase x and spaces
    number = resident_id_ending_in_x("350206", "19700521")
    typed = f"{number[:6]} {number[6:-1]}x"
    # when
    decision = individual(own_id=number, guarantor_id=typed)
    # then
    assert decision.missing == ("The guarantor cannot be the customer",)


def test_individual_with_nothing_lists_both_documents():
    # given an individual who has uploaded nothing
    # when
    decision = individual(
        own_id=None,
        own_id_verified=False,
        guarantor_id=None,
        guarantor_id_verified=False,
        guarantor_xiamen_household_confirmed=False,
    )
    # then
    assert decision.missing == (
        "Upload a copy of the customer's own ID card",
        "Upload a copy of the ID card of a guarantor with Xiamen household registration",
    )


def test_individual_lists_every_unmet_item_together():
    # given an unverified own card with a bad check digit, and an unverified minor guarantor
    # from Xiamen whose household staff have not confirmed
    minor = resident_id_born(date(2010, 1, 1), region="350203")
    # when
    decision = individual(
        own_id=with_wrong_last_character(CUSTOMER),
        own_id_verified=False,
        guarantor_id=minor,
        guarantor_id_verified=False,
        guarantor_xiamen_household_confirmed=False,
    )
    # then
    assert decision.waived is False
    assert decision.missing == (
        "The customer's ID number has an invalid check digit",
        "The customer's ID card has not been verified by staff yet",
        "The guarantor's ID card has not been verified by staff yet",
        "The guarantor must be an adult (18 or older)",
        "Staff have not yet confirmed the guarantor's Xiamen household registration",
    )


def test_unknown_customer_kind_is_refused():
    # given / when
    with pytest.raises(DepositError) as raised:
        company(customer_kind="partnership")
    # then
    assert raised.value.code == "unknown_customer_kind"
    assert str(raised.value) == (
        "Unknown kind of customer “partnership”: expected a company or an individual."
    )
    assert isinstance(raised.value, ApplicationError)


# --- The decision and its explanation


def test_waiver_decision_requires_waived_exactly_when_nothing_is_missing():
    # given / when / then
    with pytest.raises(ValueError):
        WaiverDecision(waived=True, missing=("Upload a copy of the business licence",))
    with pytest.raises(ValueError):
        WaiverDecision(waived=False, missing=())


def test_waiver_decision_keeps_missing_as_a_tuple():
    # given / when
    decision = WaiverDecision(waived=False, missing=["a", "b"])
    # then
    assert decision.missing == ("a", "b")


def test_explain_waiver_when_waived():
    # given / when / then
    assert deposits.explain_waiver(company()) == (
        "No deposit: the documents for the waiver are complete and verified by staff."
    )


def test_explain_waiver_lists_each_missing_item_on_its_own_line():
    # given
    decision = company(licence_verified=False, representative_id=None)
    # when
    text = deposits.explain_waiver(decision)
    # then
    assert text == (
        "A deposit is required. For it to be waived:\n"
        "• The business licence has not been verified by staff yet\n"
        "• Upload a copy of the responsible person's ID card"
    )


# --- Deposit per unit


def test_deposit_for_unit_uses_the_model_deposit_amount():
    # given / when / then
    assert deposits.deposit_for_unit(
        rate=Decimal("0.50"), deposit_amount=Decimal("800"), replacement_value=Decimal("6000")
    ) == Decimal("800.00")


def test_deposit_for_unit_uses_a_zero_model_deposit_amount():
    # given a model that asks no deposit
    # when / then
    assert deposits.deposit_for_unit(
        rate=Decimal("0.50"), deposit_amount=Decimal("0"), replacement_value=Decimal("6000")
    ) == Decimal("0.00")


def test_deposit_for_unit_takes_the_rate_of_the_replacement_value():
    # given no model deposit amount, at the house's 50 %
    # when / then
    assert deposits.deposit_for_unit(
        rate=Decimal("0.50"), deposit_amount=None, replacement_value=Decimal("4599")
    ) == Decimal("2299.50")


def test_deposit_for_unit_rounds_half_up_to_the_fen():
    # given / when / then
    assert deposits.deposit_for_unit(
        rate=Decimal("0.50"), deposit_amount=None, replacement_value=Decimal("1999.99")
    ) == Decimal("1000.00")
    assert deposits.deposit_for_unit(
        rate=Decimal("0.50"), deposit_amount=None, replacement_value=Decimal("1999.97")
    ) == Decimal("999.99")
    assert deposits.deposit_for_unit(
        rate=Decimal("0.50"), deposit_amount=Decimal("100.005"), replacement_value=Decimal("1")
    ) == Decimal("100.01")


def test_deposit_for_unit_with_another_rate():
    # given a policy of 30 %
    # when / then
    assert deposits.deposit_for_unit(
        deposit_amount=None,
        replacement_value=Decimal("3333.33"),
        rate=Decimal("0.30"),
    ) == Decimal("1000.00")


@pytest.mark.parametrize(
    ("deposit_amount", "replacement_value"),
    [
        (Decimal("-0.01"), Decimal("100")),
        (None, Decimal("-100")),
        (None, Decimal("NaN")),
        (Decimal("Infinity"), Decimal("100")),
    ],
)
def test_deposit_for_unit_refuses_negative_or_undefined_amounts(deposit_amount, replacement_value):
    # given / when
    with pytest.raises(DepositError) as raised:
        deposits.deposit_for_unit(
            rate=Decimal("0.50"), deposit_amount=deposit_amount, replacement_value=replacement_value
        )
    # then
    assert raised.value.code == "invalid_amount"


def test_deposit_for_unit_error_names_the_amount():
    # given / when
    with pytest.raises(DepositError) as raised:
        deposits.deposit_for_unit(
            rate=Decimal("0.50"), deposit_amount=None, replacement_value=Decimal("-100")
        )
    # then
    assert str(raised.value) == (
        "A deposit cannot be computed from a negative or undefined amount (-100)."
    )


@pytest.mark.parametrize("rate", [Decimal("-0.1"), Decimal("1.01"), Decimal("NaN")])
def test_deposit_for_unit_refuses_a_rate_outside_zero_to_one(rate):
    # given / when
    with pytest.raises(DepositError) as raised:
        deposits.deposit_for_unit(deposit_amount=None, replacement_value=Decimal("100"), rate=rate)
    # then
    assert raised.value.code == "invalid_rate"


def test_deposit_for_unit_refuses_floats():
    # given / when / then
    with pytest.raises(TypeError):
        deposits.deposit_for_unit(
            rate=Decimal("0.50"), deposit_amount=None, replacement_value=4599.0
        )
    with pytest.raises(TypeError):
        deposits.deposit_for_unit(
            rate=Decimal("0.50"), deposit_amount=800.0, replacement_value=Decimal("1")
        )
