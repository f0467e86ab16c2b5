"""Identity documents and guarantors: uploads, staff review, and what they prove for the waiver.

DOMAIN.md, "Deposit and its waiver": a copy counts only once staff have verified it, and only
staff confirm a guarantor's Xiamen household registration. Verifying a copy therefore writes the
matching *_verified_at on Customer or Guarantor, which is all the waiver (contracts.deposits,
read through selectors.customer_waiver) ever looks at.

Uploads are checked entirely in memory (size, type from the content, a real parse) before
anything touches the disk or the database, so a refused file leaves no trace.
"""

from __future__ import annotations

import hashlib
import io
import re
import warnings
import zlib
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image

from rental.core import audit
from rental.core.errors import ApplicationError, NotAllowed
from rental.core.phones import clean_phone
from rental.core.state import set_status
from rental.core.timeutil import SHANGHAI

from .. import notify, pdfcheck
from ..identity import clean_resident_id, is_adult_on, mask_resident_id, normalise
from ..models import Customer, Guarantor, IdentityDocument
from ..models.documents import private_storage

Kind = IdentityDocument.Kind
Status = IdentityDocument.Status

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
DEFAULT_MAX_PER_KIND = 5
# A phone photo has 12 to 50 million pixels; decoding more costs hundreds of MB of memory.
DEFAULT_MAX_PIXELS = 60_000_000

KINDS_FOR_CUSTOMER: dict[str, tuple[str, ...]] = {
    Customer.Kind.COMPANY: (Kind.BUSINESS_LICENCE, Kind.REPRESENTATIVE_ID),
    Customer.Kind.INDIVIDUAL: (Kind.OWN_ID, Kind.GUARANTOR_ID, Kind.HOUSEHOLD_REGISTER),
}
GUARANTOR_KINDS = frozenset({Kind.GUARANTOR_ID, Kind.HOUSEHOLD_REGISTER})

JPEG, PNG, PDF = "image/jpeg", "image/png", "application/pdf"
# What browsers send for the same three types; anything else they declare is not compared.
_DECLARED_ALIASES = {
    "image/jpeg": JPEG,
    "image/jpg": JPEG,
    "image/pjpeg": JPEG,
    "image/png": PNG,
    "image/x-png": PNG,
    "application/pdf": PDF,
    "application/x-pdf": PDF,
}
_TYPE_NAMES = {JPEG: "JPEG", PNG: "PNG", PDF: "PDF"}
# Pillow calls a JPEG with a multi-picture index (most Samsung and many iPhone photos) "MPO".
_PILLOW_FORMATS = {JPEG: {"JPEG", "MPO"}, PNG: {"PNG"}}

# PDF names that run code, open other programs or carry files: a scan of an ID card has none.
_PDF_ACTIVE_NAMES = frozenset(
    {b"JavaScript", b"JS", b"Launch", b"EmbeddedFile", b"EmbeddedFiles", b"RichMedia"}
)
_PDF_NAME = re.compile(rb"/([^\s/<>\[\]()%{}]+)")
_PDF_STREAM = re.compile(rb"stream\r?\n")
_PDF_TAIL = 1024
# Inflating streams to look inside object streams is bounded, so a zip bomb costs nothing.
_PDF_INFLATE_LIMIT = 32 * 1024 * 1024


class DocumentError(ApplicationError):
    """An upload or review that cannot be accepted; the message says why, in the user's language.

    Codes: ``empty``, ``too_large``, ``unsupported_type``, ``type_mismatch``, ``damaged``,
    ``too_many_pixels``, ``active_content``, ``encrypted``, ``kind``, ``no_guarantor``,
    ``too_many``, ``duplicate``, ``not_pending``, ``reason``, ``representative_id``,
    ``guarantor_replaced``.
    """


class GuarantorError(ApplicationError):
    """A guarantor who cannot be accepted. Codes: ``company``, ``name``, ``self``, ``minor``,
    ``inactive``."""


@dataclass(frozen=True)
class CheckedFile:
    """An upload that passed every check, still only in memory."""

    content: bytes
    content_type: str
    sha256: str

    @property
    def size(self) -> int:
        return len(self.content)


def max_bytes() -> int:
    return getattr(settings, "DOCUMENT_MAX_BYTES", DEFAULT_MAX_BYTES)


def max_megabytes() -> str:
    """The size limit as people read it: "10" (MB)."""
    return f"{max_bytes() / (1024 * 1024):g}"


def max_per_kind() -> int:
    return getattr(settings, "DOCUMENT_MAX_PER_KIND", DEFAULT_MAX_PER_KIND)


def kinds_for(customer: Customer) -> tuple[str, ...]:
    """The documents this kind of customer can upload, in the order they are asked for."""
    return KINDS_FOR_CUSTOMER[customer.kind]


def active_guarantor(customer: Customer) -> Guarantor | None:
    return Guarantor.objects.filter(customer=customer, is_active=True).first()


# --- Checking a file ------------------------------------------------------------------------


def check_file(uploaded_file) -> CheckedFile:
    """Read the upload into memory and accept it only as a real JPEG, PNG or PDF.

    The type comes from the bytes (magic number, then a parse), never from the file name. The
    browser's declared type is only compared: a declared JPEG, PNG or PDF that the content
    contradicts is refused, because a file that lies about itself is not a plain scan.
    """
    limit = max_bytes()
    if getattr(uploaded_file, "size", None) is not None and uploaded_file.size > limit:
        raise _too_large(limit)
    if hasattr(uploaded_file, "seek"):
        uploaded_file.seek(0)
    content = uploaded_file.read(limit + 1)
    if not content:
        raise DocumentError(_("The file is empty. Choose the photo or scan again."), code="empty")
    if len(content) > limit:
        raise _too_large(limit)

    content_type = _sniff(content)
    if content_type == PDF:
        _check_pdf(content)
    else:
        _check_image(content, content_type)

    declared = (getattr(uploaded_file, "content_type", "") or "").split(";")[0].strip().lower()
    declared = _DECLARED_ALIASES.get(declared)
    if declared is not None and declared != content_type:
        raise DocumentError(
            _(
                "The file claims to be a %(declared)s but its content is a %(actual)s. "
                "Save it again as a real JPEG, PNG or PDF and upload that."
            )
            % {"declared": _TYPE_NAMES[declared], "actual": _TYPE_NAMES[content_type]},
            code="type_mismatch",
        )
    return CheckedFile(
        content=content, content_type=content_type, sha256=hashlib.sha256(content).hexdigest()
    )


def _too_large(limit: int) -> DocumentError:
    return DocumentError(
        _("The file is larger than %(size)s MB. Take the photo at a lower resolution.")
        % {"size": max_megabytes()},
        code="too_large",
    )


def _sniff(content: bytes) -> str:
    if content.startswith(b"\xff\xd8\xff"):
        return JPEG
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if content.startswith(b"%PDF-"):
        return PDF
    raise DocumentError(
        _("This file is not a JPEG, PNG or PDF. Upload a photo or a scan of the document."),
        code="unsupported_type",
    )


def _damaged() -> DocumentError:
    return DocumentError(
        _("The file is damaged or incomplete and cannot be opened. Upload it again."),
        code="damaged",
    )


def _too_large_to_check() -> DocumentError:
    return DocumentError(
        _(
            "The file is too large to check (too many pixels or parts). "
            "Take the photo or scan at a lower resolution and upload it again."
        ),
        code="too_large_to_check",
    )


def _check_image(content: bytes, content_type: str) -> None:
    """Open, verify and fully decode the image, refusing anything Pillow cannot read cleanly."""
    limit = getattr(settings, "DOCUMENT_MAX_PIXELS", DEFAULT_MAX_PIXELS)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(content)) as image:
                if image.format not in _PILLOW_FORMATS[content_type]:
                    raise _damaged()
                width, height = image.size
                if width * height > limit:
                    raise DocumentError(
                        _("The image has too many pixels. Take the photo at a lower resolution."),
                        code="too_many_pixels",
                    )
                image.verify()
            # verify() leaves the image unusable; decoding it again catches truncated pixel data.
            with Image.open(io.BytesIO(content)) as image:
                image.load()
    except DocumentError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _too_large_to_check() from exc
    except Exception as exc:  # an untrusted file may break the parser in any way
        raise _damaged() from exc


def _check_pdf(content: bytes) -> None:
    """A PDF header, a cross-reference pointer and %%EOF at the end, and no active content."""
    if not re.match(rb"%PDF-[12]\.\d", content):
        raise _damaged()
    tail = content[-_PDF_TAIL:]
    if b"%%EOF" not in tail or b"startxref" not in content[-_PDF_TAIL * 2 :]:
        raise _damaged()
    if b"/Encrypt" in content:
        raise DocumentError(
            _("Password-protected PDF files cannot be checked. Upload one without a password."),
            code="encrypted",
        )
    verdict = pdfcheck.check(content)
    if verdict.reason == "unreadable":
        raise _damaged()
    if verdict.reason == "too_complex":
        raise _too_large_to_check()
    if _pdf_has_active_content(content) or not verdict.ok:
        raise DocumentError(
            _(
                "PDF files with scripts, attachments or launch actions are not accepted. "
                "Upload a photo of the document or a plain scan."
            ),
            code="active_content",
        )


def _pdf_has_active_content(content: bytes) -> bool:
    """Look for active names in the file and inside its compressed streams (object streams hide
    dictionaries there). Names may be written with #xx escapes (/J#61vaScript), so decode them."""
    if _has_active_name(content):
        return True
    budget = _PDF_INFLATE_LIMIT
    for match in _PDF_STREAM.finditer(content):
        if budget <= 0:
            # Too much compressed data to look through cheaply: not a simple scan either.
            return True
        inflater = zlib.decompressobj()
        try:
            inflated = inflater.decompress(content[match.end() :], budget)
        except zlib.error:
            continue  # not Flate (a JPEG inside the PDF, say): nothing to read as names
        budget -= len(inflated)
        if _has_active_name(inflated):
            return True
    return False


def _has_active_name(data: bytes) -> bool:
    for match in _PDF_NAME.finditer(data):
        name = match.group(1)
        if b"#" in name:
            name = re.sub(rb"#([0-9A-Fa-f]{2})", lambda m: bytes([int(m.group(1), 16)]), name)
        if name in _PDF_ACTIVE_NAMES:
            return True
    return False


# --- Uploading ------------------------------------------------------------------------------


def document_upload(
    *, customer: Customer, kind: str, uploaded_file, by, guarantor: Guarantor | None = None
) -> IdentityDocument:
    """Store a copy of one identity document for staff to review.

    The file is checked completely in memory first (see check_file); the kind must suit the
    customer (a company's licence and representative's ID, an individual's own ID, their active
    guarantor's ID and household register page); at most DOCUMENT_MAX_PER_KIND copies of a kind
    may wait or be verified at once. Only then are the file and its row written, together: the
    transaction is durable so nothing can roll the row back after the file is on disk, and the
    file is removed again if the row cannot be written.
    """
    if kind not in kinds_for(customer):
        raise DocumentError(
            _("This document is not one we ask of a customer like you."), code="kind"
        )
    checked = check_file(uploaded_file)
    saved_name = ""
    try:
        with transaction.atomic(durable=True):
            document = _store(customer, kind, guarantor, checked, by)
            saved_name = document.file.name
    except BaseException:
        # The commit itself failed after the file was written.
        if saved_name:
            private_storage.delete(saved_name)
        raise
    return document


def _store(
    customer: Customer, kind: str, guarantor: Guarantor | None, checked: CheckedFile, by
) -> IdentityDocument:
    """Inside the upload's transaction: check the limits, then write the file and the row."""
    # Serialises uploads of one customer, so the count limit holds under concurrent requests.
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    guarantor = _guarantor_for(customer, kind, guarantor)
    current = IdentityDocument.objects.filter(
        customer=customer, kind=kind, status__in=[Status.PENDING, Status.VERIFIED]
    )
    if guarantor is not None:
        current = current.filter(guarantor=guarantor)
    if current.filter(sha256=checked.sha256).exists():
        raise DocumentError(
            _("You have already uploaded this file for this document."), code="duplicate"
        )
    if current.count() >= max_per_kind():
        raise DocumentError(
            _(
                "You already have %(count)d copies of this document waiting or verified. "
                "Wait for staff to review them."
            )
            % {"count": max_per_kind()},
            code="too_many",
        )
    document = IdentityDocument(
        customer=customer,
        guarantor=guarantor,
        kind=kind,
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        uploaded_by=by,
    )
    document.file.save("upload", ContentFile(checked.content), save=False)
    try:
        document.save()
        audit.record(
            by,
            "contracts.document.uploaded",
            document,
            kind=kind,
            content_type=checked.content_type,
            size=checked.size,
            sha256=checked.sha256,
        )
    except BaseException:
        private_storage.delete(document.file.name)
        raise
    return document


def _guarantor_for(customer: Customer, kind: str, given: Guarantor | None) -> Guarantor | None:
    if kind not in GUARANTOR_KINDS:
        if given is not None:
            raise DocumentError(_("This document is not about the guarantor."), code="kind")
        return None
    current = active_guarantor(customer)
    if current is None:
        raise DocumentError(
            _("Add your guarantor before uploading their documents."), code="no_guarantor"
        )
    if given is not None and given.pk != current.pk:
        raise DocumentError(
            _("This guarantor has been replaced; upload the documents of your current one."),
            code="guarantor_replaced",
        )
    return current


# --- Staff review ---------------------------------------------------------------------------


def _require_staff(by) -> None:
    """Reviews are staff decisions; a view that forgot its guard still cannot make one."""
    if not getattr(by, "is_staff_member", False):
        raise NotAllowed(_("Only staff can review documents."), code="staff_only")


def _lock_pending(document: IdentityDocument) -> tuple[Customer, IdentityDocument]:
    """Lock the customer, then the document (always in this order, as the upload does)."""
    customer = Customer.objects.select_for_update().get(pk=document.customer_id)
    document = IdentityDocument.objects.select_for_update().get(pk=document.pk)
    if document.status != Status.PENDING:
        raise DocumentError(
            _("This document has already been reviewed (%(status)s).")
            % {"status": document.get_status_display()},
            code="not_pending",
        )
    return customer, document


def document_verify(
    *, document: IdentityDocument, by, representative_id: str = ""
) -> IdentityDocument:
    """Staff have compared the copy with the original and accept it.

    Records the fact the waiver reads: the licence, the responsible person's ID or the
    customer's own ID on Customer, the guarantor's ID on Guarantor. A household register page
    is only marked verified: the registration is confirmed separately, by
    guarantor_confirm_household. For a responsible person's ID, staff may enter the number
    read from the copy (`representative_id`); the customer must end up with one.
    """
    _require_staff(by)
    number = ""
    with transaction.atomic():
        customer, document = _lock_pending(document)
        now = timezone.now()
        if document.kind == Kind.BUSINESS_LICENCE:
            customer.licence_verified_at = now
            customer.save(update_fields=["licence_verified_at"])
        elif document.kind == Kind.REPRESENTATIVE_ID:
            number = clean_resident_id(representative_id) if representative_id.strip() else ""
            if not number and not customer.representative_id:
                raise DocumentError(
                    _("Enter the responsible person's ID number as it appears on the copy."),
                    code="representative_id",
                )
            fields = ["representative_id_verified_at"]
            if number and number != customer.representative_id:
                customer.representative_id = number
                fields.append("representative_id")
            customer.representative_id_verified_at = now
            customer.save(update_fields=fields)
        elif document.kind == Kind.OWN_ID:
            customer.own_id_verified_at = now
            customer.save(update_fields=["own_id_verified_at"])
        elif document.kind in GUARANTOR_KINDS:
            guarantor = Guarantor.objects.select_for_update().get(pk=document.guarantor_id)
            if not guarantor.is_active:
                raise DocumentError(
                    _("The customer has replaced this guarantor; reject this copy instead."),
                    code="guarantor_replaced",
                )
            if document.kind == Kind.GUARANTOR_ID:
                guarantor.id_verified_at = now
                guarantor.save(update_fields=["id_verified_at"])
        document.reviewed_by = by
        document.reviewed_at = now
        set_status(
            document,
            Status.VERIFIED,
            by=by,
            event="contracts.document.verified",
            fields=["reviewed_by", "reviewed_at"],
            kind=document.kind,
            **({"representative_id": mask_resident_id(number)} if number else {}),
        )
        _tell_customer(document, "document.verified")
    return document


def _tell_customer(document: IdentityDocument, event: str) -> None:
    """The customer hears what became of their copy (in their own language: the kind is lazy)."""
    notify.tell(
        event,
        f"document:{document.pk}:{document.status}",
        customer=document.customer,
        staff=False,
        context={
            "document": Kind(document.kind).label,
            "reason": document.reject_reason,
        },
    )


def document_reject(*, document: IdentityDocument, by, reason: str) -> IdentityDocument:
    """Staff refuse the copy; the customer sees `reason` and can upload another."""
    _require_staff(by)
    reason = " ".join((reason or "").split())
    if not reason:
        raise DocumentError(
            _("Write the reason for the rejection; the customer will see it."), code="reason"
        )
    if len(reason) > 300:
        raise DocumentError(
            _("Keep the reason under 300 characters."),
            code="reason",
        )
    with transaction.atomic():
        _customer, document = _lock_pending(document)
        _reject(document, by=by, reason=reason)
    return document


def _reject(document: IdentityDocument, *, by, reason: str) -> None:
    """The one place a document becomes rejected; the caller holds the row lock."""
    document.reject_reason = reason
    document.reviewed_by = by
    document.reviewed_at = timezone.now()
    set_status(
        document,
        Status.REJECTED,
        by=by,
        event="contracts.document.rejected",
        fields=["reject_reason", "reviewed_by", "reviewed_at"],
        kind=document.kind,
        reason=reason,
    )
    _tell_customer(document, "document.rejected")


def guarantor_confirm_household(*, guarantor: Guarantor, by) -> Guarantor:
    """Staff confirm that the guarantor's household is registered in Xiamen (厦门户籍).

    This is a decision about the registration itself, taken by staff from the household register
    page or the original booklet; an ID number beginning with 3502 is never enough on its own.
    The verified register pages at the time are recorded as the evidence.
    """
    _require_staff(by)
    with transaction.atomic():
        Customer.objects.select_for_update().get(pk=guarantor.customer_id)
        guarantor = Guarantor.objects.select_for_update().get(pk=guarantor.pk)
        if not guarantor.is_active:
            raise GuarantorError(_("The customer has replaced this guarantor."), code="inactive")
        guarantor.household_confirmed_at = timezone.now()
        guarantor.household_confirmed_by = by
        guarantor.save(update_fields=["household_confirmed_at", "household_confirmed_by"])
        evidence = list(
            IdentityDocument.objects.filter(
                guarantor=guarantor, kind=Kind.HOUSEHOLD_REGISTER, status=Status.VERIFIED
            ).values_list("pk", flat=True)
        )
        audit.record(by, "contracts.guarantor.household_confirmed", guarantor, documents=evidence)
    return guarantor


# --- Guarantor ------------------------------------------------------------------------------


def guarantor_set(*, customer: Customer, name: str, id_number: str, phone: str, by) -> Guarantor:
    """Name the individual customer's guarantor (担保人), replacing any earlier one.

    The guarantor must be an adult today in Xiamen and must not be the customer. Re-entering the
    current guarantor's ID number corrects their name or phone in place (a new name needs their
    ID copy verified again); another number replaces them: the old guarantor is deactivated and
    their copies still waiting for staff are rejected, so staff never verify a former guarantor.
    """
    if customer.is_company:
        raise GuarantorError(
            _(
                "A company rents without a deposit through its business licence; "
                "it does not need a guarantor."
            ),
            code="company",
        )
    name = " ".join((name or "").split())
    if not name:
        raise GuarantorError(_("Enter the guarantor's full name."), code="name")
    if len(name) > 100:
        raise GuarantorError(_("The guarantor's name is too long."), code="name")
    today = timezone.now().astimezone(SHANGHAI).date()
    number = clean_resident_id(id_number, today=today)
    if number == normalise(customer.resident_id):
        raise GuarantorError(_("You cannot be your own guarantor."), code="self")
    if not is_adult_on(number, today):
        raise GuarantorError(_("The guarantor must be an adult (18 or older)."), code="minor")
    phone = clean_phone(phone)

    with transaction.atomic():
        customer = Customer.objects.select_for_update().get(pk=customer.pk)
        current = (
            Guarantor.objects.select_for_update().filter(customer=customer, is_active=True).first()
        )
        if current is not None and current.id_number == number:
            fields = ["name", "phone"]
            if current.name != name:
                current.id_verified_at = None
                fields.append("id_verified_at")
            current.name, current.phone = name, phone
            current.save(update_fields=fields)
            audit.record(
                by,
                "contracts.guarantor.updated",
                current,
                name_changed="id_verified_at" in fields,
            )
            return current
        if current is not None:
            current.is_active = False
            current.save(update_fields=["is_active"])
            audit.record(by, "contracts.guarantor.replaced", current)
            waiting = IdentityDocument.objects.select_for_update().filter(
                guarantor=current, status=Status.PENDING
            )
            for document in waiting:
                _reject(document, by=by, reason=_("The guarantor was replaced."))
        guarantor = Guarantor.objects.create(
            customer=customer, name=name, id_number=number, phone=phone
        )
        audit.record(by, "contracts.guarantor.set", guarantor, id_number=mask_resident_id(number))
    return guarantor
