"""contracts.identity: credit codes, resident ID numbers, age, the Xiamen hint and masks."""

from datetime import date, timedelta

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st
from stdnum.cn import ric, uscc

from contracts import identity
from contracts.identity import IdentityError
from rental.core.errors import ApplicationError

# --- Test data: check characters computed here, from the standards, and cross-checked with stdnum.

GB11643_WEIGHTS = [2 ** (17 - i) % 11 for i in range(17)]
GB11643_CHECK = "10X98765432"  # indexed by (weighted sum mod 11)
GB32100_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
GB32100_WEIGHTS = [3**i % 31 for i in range(17)]


def resident_id(region: str = "350203", born: str = "19900101", seq: str = "123") -> str:
    """A resident ID number with a correct GB 11643 check digit (the birth date need not exist)."""
    body = region + born + seq
    assert len(body) == 17 and body.isdigit()
    check = GB11643_CHECK[sum(int(d) * w for d, w in zip(body, GB11643_WEIGHTS, strict=True)) % 11]
    assert ric.calc_check_digit(body + check) == check  # stdnum agrees
    return body + check


def resident_id_born(born: date, region: str = "350203", seq: str = "123") -> str:
    return resident_id(region, born.strftime("%Y%m%d"), seq)


def resident_id_ending_in_x(region: str = "350203", born: str = "19900101") -> str:
    for seq in range(1000):
        number = resident_id(region, born, f"{seq:03d}")
        if number.endswith("X"):
            return number
    raise AssertionError("no sequence number gives an X check digit")


def credit_code(body: str = "91350206MA31P8XQ4") -> str:
    """A unified social credit code with a correct GB 32100 check character."""
    assert len(body) == 17
    total = sum(GB32100_ALPHABET.index(c) * w for c, w in zip(body, GB32100_WEIGHTS, strict=True))
    check = GB32100_ALPHABET[(31 - total % 31) % 31]
    assert uscc.calc_check_digit(body) == check  # stdnum agrees
    return body + check


def with_wrong_last_character(number: str) -> str:
    last = "1" if number[-1] != "1" else "2"
    return number[:-1] + last


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


# --- The helpers themselves


def test_helpers_reproduce_published_examples():
    # given the GB 11643 example number and stdnum's documented examples
    # when / then our helpers compute the same check characters
    assert resident_id("110105", "19491231", "002") == "11010519491231002X"
    assert resident_id("360426", "19910101", "007") == "360426199101010071"
    assert credit_code("91110000600037341") == "91110000600037341L"


# --- Resident ID numbers


def test_clean_resident_id_accepts_a_valid_number():
    # given a valid number
    number = resident_id("350203", "19900101", "123")
    # when
    cleaned = identity.clean_resident_id(number)
    # then
    assert cleaned == number


def test_clean_resident_id_normalises_spaces_hyphens_and_lowercase_x():
    # given a number ending in X typed with spaces, a hyphen and a lowercase x
    number = resident_id_ending_in_x()
    typed = f" {number[:6]} {number[6:14]}-{number[14:17]}x "
    # when
    cleaned = identity.clean_resident_id(typed)
    # then
    assert cleaned == number
    assert cleaned.endswith("X")


def test_clean_resident_id_folds_full_width_characters():
    # given a number typed with a Chinese input method's full-width digits and Ｘ
    number = resident_id_ending_in_x()
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in number[:-1]) + "ｘ"
    # when / then
    assert identity.clean_resident_id(full_width) == number


def test_clean_resident_id_accepts_xiamen_numbers_older_than_their_district():
    # given a Huli (350206, created 1987) number of someone born in 1980, which
    # stdnum.cn.ric.validate rejects because of its region table
    number = resident_id("350206", "19800101", "123")
    assert not ric.is_valid(number)
    # when / then we accept it
    assert identity.clean_resident_id(number) == number


@pytest.mark.parametrize("value", [None, "", "   "])
def test_clean_resident_id_requires_a_number(value):
    # given nothing typed
    # when
    with pytest.raises(IdentityError) as raised:
        identity.clean_resident_id(value)
    # then
    assert raised.value.code == "required"
    assert str(raised.value) == "Enter the ID card number."


def test_clean_resident_id_rejects_a_wrong_length():
    # given a number with its last digit missing
    short = resident_id()[:-1]
    # when
    with pytest.raises(IdentityError) as raised:
        identity.clean_resident_id(short)
    # then
    assert raised.value.code == "invalid_length"
    assert str(raised.value) == "An ID card number has 18 characters; this one has 17."
    assert isinstance(raised.value, ApplicationError)


def test_clean_resident_id_rejects_an_old_fifteen_digit_number():
    # given a first-generation number (no century, no check digit)
    old = "350203900101123"
    # when
    with pytest.raises(IdentityError) as raised:
        identity.clean_resident_id(old)
    # then
    assert raised.value.code == "invalid_length"
    assert str(raised.value) == (
        "This is an old 15-digit ID number; enter the 18-digit number of the current ID card."
    )


@pytest.mark.parametrize(
    "value", ["35020319900101A23X", "3502031990010112Y3", "35020319900101123Y"]
)
def test_clean_resident_id_rejects_letters(value):
    # given 18 characters with a letter where only a digit (or a final X) may stand
    # when
    with pytest.raises(IdentityError) as raised:
        identity.clean_resident_id(value)
    # then
    assert raised.value.code == "invalid_format"
    assert str(raised.value) == (
        "An ID card number consists of 17 digits followed by a digit or the letter X."
    )


def test_clean_resident_id_rejects_an_invalid_check_digit():
    # given a valid number with its check digit changed
    wrong = with_wrong_last_character(resident_id())
    # when
    with pytest.raises(IdentityError) as raised:
        identity.clean_resident_id(wrong)
    # then
    assert raised.value.code == "invalid_checksum"
    assert str(raised.value) == "The ID card number has an invalid check digit."


@pytest.mark.parametrize("born", ["19900230", "19901301", "19900000", "19010229", "18991231"])
def test_clean_resident_id_rejects_an_invalid_birth_date(born):
    # given a number with a correct check digit but an impossible (or pre-1900) birth date
    number = resident_id("350203", born, "123")
    # when
    with pytest.raises(IdentityError) as raised:
        identity.clean_resident_id(number)
    # then
    assert raised.value.code == "invalid_birth_date"
    assert str(raised.value) == "The ID card number does not contain a valid birth date."


def test_clean_resident_id_rejects_a_birth_date_after_today():
    # given a number born tomorrow
    today = date(2025, 6, 15)
    number = resident_id_born(today + timedelta(days=1))
    # when
    with pytest.raises(IdentityError) as raised:
        identity.clean_resident_id(number, today=today)
    # then
    assert raised.value.code == "invalid_birth_date"
    assert str(raised.value) == "The birth date in the ID card number is in the future."


def test_clean_resident_id_accepts_a_birth_date_of_today():
    # given a number born today
    today = date(2025, 6, 15)
    number = resident_id_born(today)
    # when / then
    assert identity.clean_resident_id(number, today=today) == number


def test_birth_date_reads_the_date_from_the_number():
    # given / when / then
    assert identity.birth_date(resident_id("350203", "19840229", "123")) == date(1984, 2, 29)


def test_birth_date_refuses_an_invalid_number():
    # given / when / then
    with pytest.raises(IdentityError) as raised:
        identity.birth_date(with_wrong_last_character(resident_id()))
    assert raised.value.code == "invalid_checksum"


# --- Age


def test_is_adult_on_the_eighteenth_birthday():
    # given someone born on 15 June 2007
    number = resident_id_born(date(2007, 6, 15))
    # when / then: 17 years and 364 days on 14 June 2025, 18 on 15 June 2025
    assert identity.is_adult_on(number, date(2025, 6, 14)) is False
    assert identity.is_adult_on(number, date(2025, 6, 15)) is True
    assert identity.is_adult_on(number, date(2040, 1, 1)) is True


def test_is_adult_on_for_a_29_february_birth_is_1_march():
    # given someone born on 29 February 2008; 2026 has no 29 February
    number = resident_id_born(date(2008, 2, 29))
    # when / then
    assert identity.adult_from(number) == date(2026, 3, 1)
    assert identity.is_adult_on(number, date(2026, 2, 28)) is False
    assert identity.is_adult_on(number, date(2026, 3, 1)) is True


def test_is_adult_on_for_someone_not_yet_born():
    # given someone born after the day asked about
    number = resident_id_born(date(2025, 6, 15))
    # when / then
    assert identity.is_adult_on(number, date(2020, 1, 1)) is False


# --- The Xiamen hint


@pytest.mark.parametrize(
    ("region", "expected"),
    [
        ("350203", True),  # Siming
        ("350206", True),  # Huli
        ("350213", True),  # Xiang'an
        ("350221", True),  # the former Tong'an county
        ("350102", False),  # Fuzhou, Gulou
        ("350583", False),  # Quanzhou, Nan'an
        ("350602", False),  # Zhangzhou, Xiangcheng
        ("110105", False),  # Beijing, Chaoyang
    ],
)
def test_suggests_xiamen_reads_the_region_code(region, expected):
    # given / when / then
    assert identity.suggests_xiamen(resident_id(region, "19900101", "123")) is expected


def test_suggests_xiamen_refuses_an_invalid_number():
    # given / when / then
    with pytest.raises(IdentityError):
        identity.suggests_xiamen("3502")


# --- Unified social credit codes


def test_clean_credit_code_accepts_a_valid_code():
    # given
    code = credit_code("91350206MA31P8XQ4")
    # when / then
    assert identity.clean_credit_code(code) == code


def test_clean_credit_code_normalises_spaces_and_lowercase():
    # given a code typed in lowercase with spaces
    code = credit_code("91350206MA31P8XQ4")
    typed = f" {code[:2]} {code[2:8]} {code[8:].lower()} "
    # when / then
    assert identity.clean_credit_code(typed) == code


@pytest.mark.parametrize("body", ["Y1350200MA31P8XQ4", "N2350200MA31P8XQ4", "A1350200MA31P8XQ4"])
def test_clean_credit_code_accepts_letter_registration_authorities(body):
    # given a code from a registration authority coded A, N or Y in GB 32100
    code = credit_code(body)
    # when / then
    assert identity.clean_credit_code(code) == code


@pytest.mark.parametrize("value", [None, "", " "])
def test_clean_credit_code_requires_a_code(value):
    # given / when
    with pytest.raises(IdentityError) as raised:
        identity.clean_credit_code(value)
    # then
    assert raised.value.code == "required"
    assert str(raised.value) == "Enter the unified social credit code."


def test_clean_credit_code_rejects_a_wrong_length():
    # given a code with an extra character
    long = credit_code() + "1"
    # when
    with pytest.raises(IdentityError) as raised:
        identity.clean_credit_code(long)
    # then
    assert raised.value.code == "invalid_length"
    assert str(raised.value) == ("A unified social credit code has 18 characters; this one has 19.")


@pytest.mark.parametrize("letter", ["I", "O", "S", "V", "Z"])
def test_clean_credit_code_rejects_letters_outside_the_alphabet(letter):
    # given a code with a letter GB 32100 leaves out
    value = "91350206MA31P8XQ" + letter + "1"
    # when
    with pytest.raises(IdentityError) as raised:
        identity.clean_credit_code(value)
    # then
    assert raised.value.code == "invalid_format"
    assert str(raised.value) == (
        "A unified social credit code contains only digits and the letters A to Y, "
        "except I, O, S and V."
    )


def test_clean_credit_code_rejects_an_unknown_registration_authority():
    # given a code whose first character is B (not a registration authority)
    value = "B1350206MA31P8XQ41"
    # when
    with pytest.raises(IdentityError) as raised:
        identity.clean_credit_code(value)
    # then
    assert raised.value.code == "invalid_format"
    assert str(raised.value) == (
        "A unified social credit code begins with a digit from 1 to 9 or the letter A, N or Y."
    )


def test_clean_credit_code_rejects_letters_in_the_region_code():
    # given a code with a letter among characters 3 to 8
    value = credit_code("9135A206MA31P8XQ4")
    # when
    with pytest.raises(IdentityError) as raised:
        identity.clean_credit_code(value)
    # then
    assert raised.value.code == "invalid_format"
    assert str(raised.value) == (
        "Characters 3 to 8 of a unified social credit code are the region code and must be digits."
    )


def test_clean_credit_code_rejects_an_invalid_check_character():
    # given a valid code with its check character changed
    wrong = with_wrong_last_character(credit_code())
    # when
    with pytest.raises(IdentityError) as raised:
        identity.clean_credit_code(wrong)
    # then
    assert raised.value.code == "invalid_checksum"
    assert str(raised.value) == "The unified social credit code has an invalid check character."


# --- Masks


def test_mask_resident_id_shows_the_first_and_last_four():
    # given a number ending in X, typed with spaces and a lowercase x
    number = resident_id_ending_in_x("350203", "19900101")
    # when
    masked = identity.mask_resident_id(f"{number[:6]} {number[6:-1]}x")
    # then
    assert masked == "3502" + "*" * 10 + number[-4:]
    assert masked.endswith("X")
    assert len(masked) == 18


def test_mask_credit_code_shows_the_first_and_last_four():
    # given
    code = credit_code("91350206MA31P8XQ4")
    # when / then
    assert identity.mask_credit_code(code) == "9135" + "*" * 10 + "XQ4" + code[-1]


@pytest.mark.parametrize(("value", "expected"), [(None, ""), ("", ""), ("12345678", "********")])
def test_masks_hide_short_values_entirely(value, expected):
    # given / when / then
    assert identity.mask_resident_id(value) == expected
    assert identity.mask_credit_code(value) == expected


# --- Property: every valid number round-trips


@given(
    region=st.integers(min_value=110000, max_value=829999).map(str),
    born=st.dates(min_value=date(1900, 1, 1), max_value=date(2025, 6, 15)),
    seq=st.integers(min_value=0, max_value=999).map(lambda n: f"{n:03d}"),
    lowercase=st.booleans(),
    spaced=st.booleans(),
)
def test_any_valid_number_round_trips(region, born, seq, lowercase, spaced):
    # given a valid number, perhaps typed with a lowercase x and spaces
    number = resident_id_born(born, region=region, seq=seq)
    typed = number.lower() if lowercase else number
    if spaced:
        typed = f"{typed[:6]} {typed[6:14]} {typed[14:]}"
    # when
    with translation.override("en"):
        cleaned = identity.clean_resident_id(typed, today=date(2025, 6, 15))
    # then
    assert cleaned == number
    assert identity.birth_date(cleaned) == born
    assert identity.mask_resident_id(typed) == number[:4] + "*" * 10 + number[-4:]
