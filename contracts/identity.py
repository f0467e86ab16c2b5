"""Pure rules for the identity numbers on a customer's documents.

Two numbers matter for the deposit waiver (DOMAIN.md, "Deposit and its waiver"):

* the business licence's unified social credit code (统一社会信用代码, GB 32100): 18 characters,
  the last a check character;
* the resident ID number (居民身份证号, GB 11643): 17 digits and a check digit (0-9 or X), with
  the holder's birth date in characters 7 to 14.

The check characters are computed with python-stdnum. We deliberately do not call
`stdnum.cn.ric.validate`: since python-stdnum 2.x it also requires the region code to have existed
in stdnum's table *in the holder's birth year*, which rejects ordinary Xiamen numbers (Siming
350203 is listed from 1983, Huli 350206 from 1987, Xiang'an 350213 from 2003; everyone born
earlier who was registered there would fail). Nor do we call `stdnum.cn.uscc.validate`, which
insists on digits in the first two positions although GB 32100 also issues codes whose
registration authority is a letter (A, N, Y).

Every function here takes and returns plain values; none touches the database.
"""

from __future__ import annotations

import unicodedata
from datetime import date, datetime

from django.utils.translation import gettext as _
from stdnum.cn import ric, uscc

from rental.core.errors import ApplicationError
from rental.core.timeutil import SHANGHAI

ADULT_AGE = 18
XIAMEN_REGION_PREFIX = "3502"
# GB 32100 characters: digits and capitals without I, O, S, V, Z (they look like 1, 0, 5, U, 2).
CREDIT_CODE_ALPHABET = frozenset("0123456789ABCDEFGHJKLMNPQRTUWXY")
# Registration authority (first character) per GB 32100: 1-9, A, N, Y.
CREDIT_CODE_AUTHORITIES = frozenset("123456789ANY")
# Birth dates before this are taken for typing errors, not for customers or guarantors.
EARLIEST_BIRTH_DATE = date(1900, 1, 1)
_VISIBLE_AT_EACH_END = 4


class IdentityError(ApplicationError):
    """An identity number that cannot be accepted; `code` says why, the message says it to users.

    Codes: ``required``, ``invalid_length``, ``invalid_format``, ``invalid_checksum``,
    ``invalid_birth_date``.
    """


def normalise(value: str | None) -> str:
    """The number as it is compared and stored: no spaces or hyphens, capital letters.

    NFKC folds the full-width digits and letters a Chinese input method produces (`３５０２…Ｘ`)
    into ASCII, so a number typed either way is the same number.
    """
    if value is None:
        return ""
    folded = unicodedata.normalize("NFKC", value)
    return "".join(c for c in folded if not c.isspace() and c not in "-‐‑‒–—―").upper()


def clean_credit_code(value: str | None) -> str:
    """Return the normalised unified social credit code, or raise IdentityError saying why not.

    Checks the length, the alphabet (first character a GB 32100 registration authority, characters
    3 to 8 digits) and the check character.
    """
    code = normalise(value)
    if not code:
        raise IdentityError(_("Enter the unified social credit code."), code="required")
    if len(code) != 18:
        raise IdentityError(
            _("A unified social credit code has 18 characters; this one has %(count)d.")
            % {"count": len(code)},
            code="invalid_length",
        )
    if any(c not in CREDIT_CODE_ALPHABET for c in code):
        raise IdentityError(
            _(
                "A unified social credit code contains only digits and the letters A to Y, "
                "except I, O, S and V."
            ),
            code="invalid_format",
        )
    if code[0] not in CREDIT_CODE_AUTHORITIES:
        raise IdentityError(
            _(
                "A unified social credit code begins with a digit from 1 to 9 "
                "or the letter A, N or Y."
            ),
            code="invalid_format",
        )
    if not code[2:8].isdigit():
        raise IdentityError(
            _(
                "Characters 3 to 8 of a unified social credit code are the region code "
                "and must be digits."
            ),
            code="invalid_format",
        )
    if code[-1] != uscc.calc_check_digit(code[:-1]):
        raise IdentityError(
            _("The unified social credit code has an invalid check character."),
            code="invalid_checksum",
        )
    return code


def clean_resident_id(value: str | None, *, today: date | None = None) -> str:
    """Return the normalised resident ID number, or raise IdentityError saying what is wrong.

    Checks the length, the digits, the GB 11643 check digit (a lowercase x is accepted and stored
    as X) and the birth date: a real calendar date, not before 1900 and not after `today`
    (default: today in Xiamen). The region code is not checked against a table; see the module
    docstring.
    """
    number, born = _parse_resident_id(value)
    if born > (today if today is not None else datetime.now(SHANGHAI).date()):
        raise IdentityError(
            _("The birth date in the ID card number is in the future."),
            code="invalid_birth_date",
        )
    return number


def _parse_resident_id(value: str | None) -> tuple[str, date]:
    """Every check of clean_resident_id except the one that needs today's date."""
    number = normalise(value)
    if not number:
        raise IdentityError(_("Enter the ID card number."), code="required")
    if len(number) == 15 and number.isdigit():
        # First-generation cards (15 digits, no check digit) stopped being valid in 2013.
        raise IdentityError(
            _(
                "This is an old 15-digit ID number; enter the 18-digit number of the "
                "current ID card."
            ),
            code="invalid_length",
        )
    if len(number) != 18:
        raise IdentityError(
            _("An ID card number has 18 characters; this one has %(count)d.")
            % {"count": len(number)},
            code="invalid_length",
        )
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise IdentityError(
            _("An ID card number consists of 17 digits followed by a digit or the letter X."),
            code="invalid_format",
        )
    # stdnum's ric.calc_check_digit expects the full number and ignores its last character.
    if number[17] != ric.calc_check_digit(number):
        raise IdentityError(
            _("The ID card number has an invalid check digit."), code="invalid_checksum"
        )
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        born = None
    if born is None or born < EARLIEST_BIRTH_DATE:
        raise IdentityError(
            _("The ID card number does not contain a valid birth date."),
            code="invalid_birth_date",
        )
    return number, born


def birth_date(resident_id: str) -> date:
    """The holder's birth date; raises IdentityError if the number is not valid.

    A birth date after today is returned as it is: whether that is acceptable depends on the
    day the caller asks about (see clean_resident_id's `today`), and this function reads no clock.
    """
    return _parse_resident_id(resident_id)[1]


def adult_from(resident_id: str) -> date:
    """The first day on which the holder is an adult: their 18th birthday.

    Someone born on 29 February has no birthday in a non-leap year. On 28 February they have not
    yet completed their 18th year (the anniversary of their birth has not been reached), so they
    become adult on 1 March, the first day on which 18 full years have certainly passed. Being
    late by a day rather than early keeps us from accepting a minor as guarantor.
    """
    born = birth_date(resident_id)
    try:
        return born.replace(year=born.year + ADULT_AGE)
    except ValueError:  # 29 February, and the 18th anniversary falls in a non-leap year
        return date(born.year + ADULT_AGE, 3, 1)


def is_adult_on(resident_id: str, on: date) -> bool:
    """Whether the holder is 18 or older on `on` (the 18th birthday itself counts)."""
    return on >= adult_from(resident_id)


def suggests_xiamen(resident_id: str) -> bool:
    """Whether the number was first issued in Xiamen (region code 3502xx).

    Only a hint for staff: the region code records where the number was issued, not where the
    holder's household is registered now, so it neither proves nor excludes a Xiamen 户口.
    """
    return _parse_resident_id(resident_id)[0].startswith(XIAMEN_REGION_PREFIX)


def _mask(value: str | None) -> str:
    text = normalise(value)
    if len(text) <= 2 * _VISIBLE_AT_EACH_END:
        # Too short to show both ends without showing most of it.
        return "*" * len(text)
    hidden = len(text) - 2 * _VISIBLE_AT_EACH_END
    return text[:_VISIBLE_AT_EACH_END] + "*" * hidden + text[-_VISIBLE_AT_EACH_END:]


def mask_resident_id(value: str | None) -> str:
    """The number with all but its first and last four characters hidden: 3502**********123X.

    Works on any input, valid or not, so a form can echo what was typed without revealing it.
    """
    return _mask(value)


def mask_credit_code(value: str | None) -> str:
    """The code with all but its first and last four characters hidden: 9135**********123A."""
    return _mask(value)
