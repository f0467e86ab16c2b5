"""Sign-up and account recovery for customers, by a one-time code sent by SMS or e-mail.

Codes go through the notification service like every other message, so they are recorded,
rendered in the reader's language and delivered by the worker after commit. Sending is limited per
address (one a minute, five an hour) so that the form cannot be used to flood a phone or inbox;
a code allows five wrong guesses and expires after ten minutes.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import password_validation
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rental.core import audit
from rental.core.errors import ApplicationError
from rental.core.phones import clean_mobile, e164
from rental.notifications.services import Recipient, notify

from .models import User, VerificationCode

CODE_LIFETIME = timedelta(minutes=10)
RESEND_AFTER = timedelta(seconds=60)
MAX_PER_HOUR = 5
MAX_WRONG_GUESSES = 5


class VerificationError(ApplicationError):
    pass


def _hash(code: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), code.encode(), hashlib.sha256).hexdigest()


def customer_signup(
    *, kind: str, name: str, phone: str, email: str, password: str, language: str
) -> User:
    """A new customer login, to be verified before the first reservation; a code is sent by SMS.

    The mobile number is the login name. The customer record itself (ID number or credit code) is
    made by the profile form that follows.
    """
    phone = clean_mobile(phone)
    email = (email or "").strip().lower()
    with transaction.atomic():
        if (
            User.objects.filter(phone=phone).exists()
            or User.objects.filter(username=login_name(phone)).exists()
        ):
            raise VerificationError(
                _("An account with this mobile number exists already. Log in, or recover it.")
            )
        if email and User.objects.filter(email__iexact=email).exists():
            raise VerificationError(_("An account with this e-mail address exists already."))
        user = User(
            username=login_name(phone),
            phone=phone,
            email=email,
            first_name=name.strip(),
            role=User.Role.CUSTOMER,
            preferred_language=language,
            verification_required=True,
            signup_kind=kind,
        )
        password_validation.validate_password(password, user)
        user.set_password(password)
        user.save()
        audit.record(user, "accounts.user.signed_up", user)
        code_send(user=user, purpose=VerificationCode.Purpose.VERIFY, channel="sms")
    return user


def login_name(typed: str) -> str:
    """The username a customer's mobile number logs in as, however it is typed: "138 5991 2345",
    "+86 138-5991-2345" and "+8613859912345" are all 13859912345. Anything that is not a
    mainland number (a staff member's name) is left as typed, without surrounding spaces."""
    typed = typed.strip()
    if any(ch.isalpha() for ch in typed):
        return typed
    number = e164(typed)
    if number and number.startswith("+86"):
        return number.removeprefix("+86")
    return typed


def code_send(*, user: User, purpose: str, channel: str) -> VerificationCode:
    """Send a fresh code to the user's phone (sms) or e-mail, within the sending limits."""
    address = user.phone if channel == "sms" else user.email
    if not address:
        raise VerificationError(
            _("There is no mobile number on this account.")
            if channel == "sms"
            else _("There is no e-mail address on this account.")
        )
    now = timezone.now()
    with transaction.atomic():
        # One sender at a time per user, so two quick clicks cannot both pass the limit.
        User.objects.select_for_update().filter(pk=user.pk).first()
        recent = VerificationCode.objects.filter(
            address=address, created_at__gte=now - timedelta(hours=1)
        )
        last = recent.order_by("-created_at").first()
        if last is not None and last.created_at > now - RESEND_AFTER:
            wait = int((last.created_at + RESEND_AFTER - now).total_seconds()) + 1
            raise VerificationError(
                _("A code was sent a moment ago. You can ask for another in %(seconds)s seconds.")
                % {"seconds": wait}
            )
        if recent.count() >= MAX_PER_HOUR:
            raise VerificationError(
                _("Too many codes were sent to this address. Please try again in an hour.")
            )
        code = f"{secrets.randbelow(1_000_000):06d}"
        row = VerificationCode.objects.create(
            user=user,
            purpose=purpose,
            channel=channel,
            address=address,
            code_hash=_hash(code),
            expires_at=now + CODE_LIFETIME,
        )
        recipient = Recipient(
            name=user.get_full_name() or user.username,
            email=address if channel == "email" else None,
            phone=address if channel == "sms" else None,
            language=user.preferred_language,
            user=user,
        )
        notify(
            event=f"account.{purpose}",
            key=f"account:{user.pk}:{purpose}:{row.pk}",
            recipients=[recipient],
            context={"code": code, "minutes": int(CODE_LIFETIME.total_seconds() // 60)},
        )
    return row


def _use(*, user: User, purpose: str, code: str) -> VerificationCode | str:
    """Consume the user's latest code if `code` matches it; else the reason it does not.

    Returns the reason instead of raising so that the caller's transaction commits the count of
    wrong guesses (a raise would roll it back and make guessing free).
    """
    now = timezone.now()
    row = (
        VerificationCode.objects.select_for_update()
        .filter(user=user, purpose=purpose, used_at__isnull=True)
        .order_by("-created_at")
        .first()
    )
    if row is None or row.expires_at <= now:
        return _("This code has expired. Ask for a new one.")
    if row.failed_attempts >= MAX_WRONG_GUESSES:
        return _("Too many wrong codes. Ask for a new one.")
    if not hmac.compare_digest(row.code_hash, _hash((code or "").strip())):
        row.failed_attempts += 1
        row.save(update_fields=["failed_attempts"])
        return _("That code is not right. Check the message and try again.")
    row.used_at = now
    row.save(update_fields=["used_at"])
    return row


def contact_verify(*, user: User, code: str) -> User:
    """The customer typed the code we sent: their account may reserve from now on."""
    with transaction.atomic():
        row = _use(user=user, purpose=VerificationCode.Purpose.VERIFY, code=code)
        if isinstance(row, VerificationCode):
            user.verification_required = False
            user.contact_verified_at = row.used_at
            user.save(update_fields=["verification_required", "contact_verified_at"])
            audit.record(user, "accounts.user.verified", user, channel=row.channel)
    if not isinstance(row, VerificationCode):
        raise VerificationError(row)
    return user


def recovery_user(identifier: str) -> User | None:
    """The active customer whose mobile number or e-mail address this is, if any."""
    identifier = (identifier or "").strip()
    users = User.objects.filter(role=User.Role.CUSTOMER, is_active=True)
    if "@" in identifier:
        return users.filter(email__iexact=identifier).first()
    try:
        phone = clean_mobile(identifier)
    except ApplicationError:
        return None
    return users.filter(phone=phone).first()


def recovery_start(*, identifier: str) -> User | None:
    """Send a recovery code to the phone or e-mail given, if it belongs to a customer."""
    user = recovery_user(identifier)
    if user is not None:
        channel = "email" if "@" in identifier else "sms"
        code_send(user=user, purpose=VerificationCode.Purpose.RECOVER, channel=channel)
    return user


def recovery_finish(*, user: User, code: str, password: str) -> User:
    """A right recovery code sets the new password (and proves the contact it was sent to)."""
    password_validation.validate_password(password, user)
    with transaction.atomic():
        row = _use(user=user, purpose=VerificationCode.Purpose.RECOVER, code=code)
        if isinstance(row, VerificationCode):
            user.set_password(password)
            fields = ["password"]
            if user.verification_required:
                user.verification_required = False
                user.contact_verified_at = row.used_at
                fields += ["verification_required", "contact_verified_at"]
            user.save(update_fields=fields)
            audit.record(user, "accounts.user.recovered", user, channel=row.channel)
    if not isinstance(row, VerificationCode):
        raise VerificationError(row)
    return user
