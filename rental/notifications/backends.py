"""Delivery backends: how a rendered notification leaves the building.

E-mail goes through Django's mail framework, so `EMAIL_URL` decides between SMTP and the console.
SMS goes through the class named by `settings.NOTIFICATIONS_SMS_BACKEND` (a dotted path, by
default `ConsoleSmsBackend`); a provider adapter subclasses `SmsBackend`.

A backend raises any exception when sending failed and may work on a later try (network, timeout,
rate limit): the delivery task records it and retries with back-off. It raises
`PermanentDeliveryError` when retrying cannot help (an invalid number, a template the provider
rejected): the notification is marked failed at once.
"""

from __future__ import annotations

import abc
import sys
import threading
import uuid
from collections.abc import Mapping

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.message import make_msgid
from django.utils.module_loading import import_string

DEFAULT_EMAIL_BACKEND = "rental.notifications.backends.EmailBackend"
DEFAULT_SMS_BACKEND = "rental.notifications.backends.ConsoleSmsBackend"


class PermanentDeliveryError(Exception):
    """Sending can never succeed for this message; do not retry."""


class EmailBackend:
    """Sends through Django's configured mail backend (`EMAIL_URL`): SMTP, or the console."""

    def send(self, *, to: str, subject: str, body: str) -> str:
        """Send one plain-text e-mail; return its Message-ID."""
        message_id = make_msgid(domain=_mail_domain())
        message = EmailMessage(
            subject=subject, body=body, to=[to], headers={"Message-ID": message_id}
        )
        message.send(fail_silently=False)
        return message_id


class SmsBackend(abc.ABC):
    """The interface an SMS provider adapter implements.

    `send()` receives the E.164 phone number (`+8613800138000`) and the text rendered from the
    event's `.sms.txt` template in the recipient's language, plus the event name and `params`: the
    event context's plain values as strings (dates already in Xiamen local time). It returns the
    provider's message id, which is stored on the notification.

    Chinese providers do not send free text: every message uses a signature (签名) and a template
    (模板) approved in their console, filled with parameters. An adapter therefore maps:

    * the signature: a setting such as `SMS_SIGN_NAME = "新思索租赁"` (the provider adds the
      【新思索租赁】 prefix itself, so the rendered text's prefix is not sent);
    * `event` → the approved template: a setting such as
      `SMS_TEMPLATES = {"reservation.confirmed": "SMS_46253120", ...}` (Aliyun TemplateCode) or
      `{"reservation.confirmed": "1834567", ...}` (Tencent Cloud TemplateId);
    * `params` → the template's variables. Aliyun Dysms `SendSms` takes `PhoneNumbers`,
      `SignName`, `TemplateCode` and `TemplateParam=json.dumps({"number": ..., ...})` (named
      variables, each length-limited by the provider) and returns `BizId`; Tencent Cloud
      `SendSms` takes `PhoneNumberSet`, `SmsSdkAppId`, `SignName`, `TemplateId` and
      `TemplateParamSet` (an ordered list, so the adapter keeps each template's parameter order)
      and returns `SerialNo`.

    The rendered `text` is what the customer should read; keep each approved template worded the
    same, and log or store `text` for support. An adapter raises `PermanentDeliveryError` for the
    provider's "invalid number", "template not approved" and similar codes, and lets timeouts and
    throttling ("isv.BUSINESS_LIMIT_CONTROL", "LimitExceeded") raise anything else so the task
    retries. Keep credentials in settings read from the environment, never in code.
    """

    @abc.abstractmethod
    def send(
        self, phone: str, text: str, *, event: str = "", params: Mapping[str, str] | None = None
    ) -> str:
        """Send `text` to `phone`; return the provider's message id."""


class ConsoleSmsBackend(SmsBackend):
    """Prints each SMS to standard output instead of sending it: development and demos."""

    _lock = threading.Lock()

    def __init__(self, stream=None):
        self.stream = stream or sys.stdout

    def send(
        self, phone: str, text: str, *, event: str = "", params: Mapping[str, str] | None = None
    ) -> str:
        message_id = f"console-{uuid.uuid4().hex}"
        with self._lock:
            self.stream.write(f"SMS to {phone} [{event or '-'} {message_id}]\n{text}\n{'-' * 40}\n")
            self.stream.flush()
        return message_id


def email_backend() -> EmailBackend:
    path = getattr(settings, "NOTIFICATIONS_EMAIL_BACKEND", DEFAULT_EMAIL_BACKEND)
    return import_string(path)()


def sms_backend() -> SmsBackend:
    path = getattr(settings, "NOTIFICATIONS_SMS_BACKEND", DEFAULT_SMS_BACKEND)
    return import_string(path)()


def _mail_domain() -> str:
    from email.utils import parseaddr

    address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    return address.rpartition("@")[2] or "localhost"
