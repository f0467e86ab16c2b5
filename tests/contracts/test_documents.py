"""Identity documents: checked uploads, private serving, staff review, guarantors and the waiver."""

from __future__ import annotations

import io
import zlib
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation
from PIL import Image

from contracts.identity import IdentityError
from contracts.models import Customer, Guarantor, IdentityDocument
from contracts.selectors import customer_of, customer_waiver
from contracts.services.documents import (
    DocumentError,
    GuarantorError,
    document_reject,
    document_upload,
    document_verify,
    guarantor_confirm_household,
    guarantor_set,
)
from rental.core.errors import NotAllowed
from rental.core.models import AuditEvent
from rental.core.phones import PhoneError
from rental.core.timeutil import SHANGHAI
from rental.notifications.models import Notification
from tests.factories import (
    CompanyFactory,
    CustomerFactory,
    StaffFactory,
    TechnicianFactory,
    make_resident_id,
)

pytestmark = pytest.mark.django_db

GUARANTOR_PHONE = "13912345678"


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    yield tmp_path


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def client(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def stored_files(root):
    return [p for p in root.rglob("*") if p.is_file()]


# --- Files made here, in memory --------------------------------------------------------------


def image_bytes(fmt: str, color=(200, 30, 30), size=(64, 48)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format=fmt)
    return buffer.getvalue()


def pdf_bytes(*, catalog_extra: bytes = b"", objects: tuple[bytes, ...] = ()) -> bytes:
    """A small valid PDF with a compressed page content stream, built by hand."""
    drawing = zlib.compress(b"0 0 m 100 100 l S")
    bodies = [
        b"<< /Type /Catalog /Pages 2 0 R " + catalog_extra + b">>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(drawing)
        + drawing
        + b"\nendstream",
        *objects,
    ]
    out = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"
    offsets = []
    for number, body in enumerate(bodies, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(bodies) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(bodies) + 1,
        xref,
    )
    return out


def upload(name: str, content: bytes, content_type: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def jpeg(name="id.jpg", color=(200, 30, 30)):
    return upload(name, image_bytes("JPEG", color), "image/jpeg")


def png(name="id.png", color=(30, 30, 200)):
    return upload(name, image_bytes("PNG", color), "image/png")


def adult_guarantor_id(n: int = 500, region: str = "350203") -> str:
    return make_resident_id(n, region=region, born="19700101")


@pytest.fixture
def person():
    return CustomerFactory()


@pytest.fixture
def staff():
    return StaffFactory()


def with_guarantor(customer, region: str = "350203") -> Guarantor:
    return guarantor_set(
        customer=customer,
        name="李娜",
        id_number=adult_guarantor_id(region=region),
        phone=GUARANTOR_PHONE,
        by=customer.user,
    )


# --- Good uploads ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "declared", "expected"),
    [
        ("photo.jpg", image_bytes("JPEG"), "image/jpeg", "image/jpeg"),
        ("scan.png", image_bytes("PNG"), "image/png", "image/png"),
        ("scan.pdf", pdf_bytes(), "application/pdf", "application/pdf"),
        # The name and a generic declared type play no part: the content decides.
        ("IMG_0001", image_bytes("PNG"), "application/octet-stream", "image/png"),
    ],
)
def test_a_real_jpeg_png_or_pdf_is_stored_privately_with_its_type_from_the_content(
    person, private_root, name, content, declared, expected
):
    document = document_upload(
        customer=person,
        kind="own_id",
        uploaded_file=upload(name, content, declared),
        by=person.user,
    )

    document.refresh_from_db()
    assert document.status == IdentityDocument.Status.PENDING
    assert document.content_type == expected
    assert document.size == len(content)
    assert len(document.sha256) == 64
    assert name not in document.file.name
    [stored] = stored_files(private_root)
    assert stored.read_bytes() == content
    assert AuditEvent.objects.filter(
        action="contracts.document.uploaded", object_id=str(document.pk)
    ).exists()


def test_a_guarantor_document_is_attached_to_the_active_guarantor(person):
    guarantor = with_guarantor(person)

    document = document_upload(
        customer=person, kind="guarantor_id", uploaded_file=jpeg(), by=person.user
    )

    assert document.guarantor == guarantor


# --- Bad uploads: refused with a clear message, nothing stored --------------------------------


def _truncated_jpeg() -> bytes:
    whole = image_bytes("JPEG", size=(400, 300))
    return whole[: len(whole) // 2]


ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 200
MZ = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200
JS_PDF = pdf_bytes(
    catalog_extra=b"/OpenAction 5 0 R ",
    objects=(b"<< /S /JavaScript /JS (app.alert(1)) >>",),
)
HEX_JS_PDF = pdf_bytes(
    catalog_extra=b"/OpenAction 5 0 R ",
    objects=(b"<< /S /J#61vaScript /J#53 (app.alert(1)) >>",),
)
_hidden = zlib.compress(b"<< /S /Launch /F (cmd.exe) >>")
STREAM_LAUNCH_PDF = pdf_bytes(
    objects=(
        b"<< /Type /ObjStm /N 1 /First 4 /Length %d /Filter /FlateDecode >>\nstream\n"
        % len(_hidden)
        + _hidden
        + b"\nendstream",
    )
)
BAD_UPLOADS = {
    "elf named jpg": (upload("id.jpg", ELF, "image/jpeg"), "unsupported_type", "not a JPEG, PNG"),
    "windows exe named jpg": (
        upload("id.jpg", MZ, "image/jpeg"),
        "unsupported_type",
        "not a JPEG, PNG",
    ),
    "text named pdf": (
        upload("id.pdf", b"Hello, I am a PDF, honestly.\n", "application/pdf"),
        "unsupported_type",
        "not a JPEG, PNG",
    ),
    "pdf header without the rest": (
        upload("id.pdf", b"%PDF-1.7\n1 0 obj << >> endobj\n", "application/pdf"),
        "damaged",
        "damaged or incomplete",
    ),
    "pdf cut short": (
        upload("id.pdf", pdf_bytes()[:-40], "application/pdf"),
        "damaged",
        "damaged or incomplete",
    ),
    "empty": (upload("id.jpg", b"", "image/jpeg"), "empty", "The file is empty"),
    "jpeg declared as png": (
        upload("id.png", image_bytes("JPEG"), "image/png"),
        "type_mismatch",
        "claims to be a PNG but its content is a JPEG",
    ),
    "jpeg magic on a png body": (
        upload("id.jpg", b"\xff\xd8\xff" + image_bytes("PNG"), "image/jpeg"),
        "damaged",
        "damaged or incomplete",
    ),
    "truncated jpeg": (
        upload("id.jpg", _truncated_jpeg(), "image/jpeg"),
        "damaged",
        "damaged or incomplete",
    ),
    "pdf with javascript": (
        upload("id.pdf", JS_PDF, "application/pdf"),
        "active_content",
        "scripts, attachments or launch actions",
    ),
    "pdf with an escaped javascript name": (
        upload("id.pdf", HEX_JS_PDF, "application/pdf"),
        "active_content",
        "scripts",
    ),
    "pdf with a launch action in a compressed object stream": (
        upload("id.pdf", STREAM_LAUNCH_PDF, "application/pdf"),
        "active_content",
        "launch actions",
    ),
}


@pytest.mark.parametrize("case", list(BAD_UPLOADS))
def test_a_bad_upload_is_refused_with_a_clear_message_and_nothing_is_stored(
    person, private_root, case
):
    uploaded, code, message = BAD_UPLOADS[case]
    uploaded.seek(0)

    with pytest.raises(DocumentError) as refused:
        document_upload(customer=person, kind="own_id", uploaded_file=uploaded, by=person.user)

    assert refused.value.code == code
    assert message in str(refused.value)
    assert IdentityDocument.objects.count() == 0
    assert stored_files(private_root) == []
    assert not AuditEvent.objects.filter(action="contracts.document.uploaded").exists()


def test_a_file_over_the_default_10_mb_is_refused_before_it_is_read(person, private_root):
    content = image_bytes("JPEG") + b"\x00" * (10 * 1024 * 1024)

    with pytest.raises(DocumentError) as refused:
        document_upload(
            customer=person,
            kind="own_id",
            uploaded_file=upload("big.jpg", content, "image/jpeg"),
            by=person.user,
        )

    assert refused.value.code == "too_large"
    assert "larger than 10 MB" in str(refused.value)
    assert IdentityDocument.objects.count() == 0
    assert stored_files(private_root) == []


def test_the_size_limit_is_a_setting(settings, person, private_root):
    settings.DOCUMENT_MAX_BYTES = 100

    with pytest.raises(DocumentError) as refused:
        document_upload(customer=person, kind="own_id", uploaded_file=png(), by=person.user)

    assert refused.value.code == "too_large"
    assert stored_files(private_root) == []


def test_an_image_with_too_many_pixels_is_refused(settings, person, private_root):
    settings.DOCUMENT_MAX_PIXELS = 1000

    with pytest.raises(DocumentError) as refused:
        document_upload(customer=person, kind="own_id", uploaded_file=png(), by=person.user)

    assert refused.value.code == "too_many_pixels"
    assert stored_files(private_root) == []


# --- Limits and kinds -----------------------------------------------------------------------


def test_at_most_five_copies_of_a_kind_wait_or_are_verified(person, staff, private_root):
    for shade in range(5):
        document_upload(
            customer=person, kind="own_id", uploaded_file=png(color=(shade, 0, 0)), by=person.user
        )

    with pytest.raises(DocumentError) as refused:
        document_upload(
            customer=person, kind="own_id", uploaded_file=png(color=(99, 0, 0)), by=person.user
        )

    assert refused.value.code == "too_many"
    assert IdentityDocument.objects.count() == 5
    assert len(stored_files(private_root)) == 5
    # A rejected copy no longer counts, and another kind has its own allowance.
    document_reject(document=IdentityDocument.objects.first(), by=staff, reason="Blurred")
    document_upload(
        customer=person, kind="own_id", uploaded_file=png(color=(99, 0, 0)), by=person.user
    )
    with_guarantor(person)
    document_upload(customer=person, kind="guarantor_id", uploaded_file=png(), by=person.user)
    assert IdentityDocument.objects.count() == 7


def test_the_count_limit_is_a_setting(settings, person):
    settings.DOCUMENT_MAX_PER_KIND = 1
    document_upload(customer=person, kind="own_id", uploaded_file=png(), by=person.user)

    with pytest.raises(DocumentError) as refused:
        document_upload(customer=person, kind="own_id", uploaded_file=jpeg(), by=person.user)

    assert refused.value.code == "too_many"


def test_the_same_file_twice_is_refused(person):
    document_upload(customer=person, kind="own_id", uploaded_file=png(), by=person.user)

    with pytest.raises(DocumentError) as refused:
        document_upload(customer=person, kind="own_id", uploaded_file=png(), by=person.user)

    assert refused.value.code == "duplicate"
    assert IdentityDocument.objects.count() == 1


@pytest.mark.parametrize(
    ("factory", "kind"),
    [
        (CompanyFactory, "own_id"),
        (CompanyFactory, "guarantor_id"),
        (CustomerFactory, "business_licence"),
        (CustomerFactory, "representative_id"),
        (CustomerFactory, "passport"),
    ],
)
def test_a_kind_that_does_not_suit_the_customer_is_refused(private_root, factory, kind):
    customer = factory()

    with pytest.raises(DocumentError) as refused:
        document_upload(customer=customer, kind=kind, uploaded_file=png(), by=customer.user)

    assert refused.value.code == "kind"
    assert stored_files(private_root) == []


@pytest.mark.parametrize("kind", ["guarantor_id", "household_register"])
def test_guarantor_documents_need_a_guarantor_first(person, private_root, kind):
    with pytest.raises(DocumentError) as refused:
        document_upload(customer=person, kind=kind, uploaded_file=png(), by=person.user)

    assert refused.value.code == "no_guarantor"
    assert "Add your guarantor" in str(refused.value)
    assert IdentityDocument.objects.count() == 0
    assert stored_files(private_root) == []


# --- Serving: the owner and staff only --------------------------------------------------------


@pytest.fixture
def document(person):
    return document_upload(customer=person, kind="own_id", uploaded_file=png(), by=person.user)


def file_url(document) -> str:
    return reverse("contracts:document_file", args=[document.pk])


def test_the_owner_gets_the_file_inline_never_sniffed_never_cached(client, document):
    client.force_login(document.customer.user)

    response = client.get(file_url(document))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == image_bytes("PNG", (30, 30, 200))
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("inline")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


def test_staff_get_the_file(client, document, staff):
    client.force_login(staff)

    response = client.get(file_url(document))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"


def test_another_customer_gets_404_on_the_file_and_on_every_document_page(client, document, staff):
    client.force_login(CustomerFactory().user)
    guarantor = with_guarantor(document.customer)

    assert client.get(file_url(document)).status_code == 404
    staff_urls = [
        ("get", reverse("contracts:document_queue")),
        ("get", reverse("contracts:document_customer", args=[document.customer_id])),
        ("post", reverse("contracts:document_verify", args=[document.pk])),
        ("post", reverse("contracts:document_reject", args=[document.pk])),
        ("post", reverse("contracts:guarantor_confirm_household", args=[guarantor.pk])),
    ]
    for method, url in staff_urls:
        assert getattr(client, method)(url, {f"r{document.pk}-reason": "x"}).status_code == 404
    page = client.get(reverse("contracts:document_list"))
    assert page.status_code == 200
    assert file_url(document) not in page.content.decode()
    document.refresh_from_db()
    guarantor.refresh_from_db()
    assert document.status == IdentityDocument.Status.PENDING
    assert guarantor.household_confirmed_at is None


def test_a_technician_gets_404_on_the_file(client, document):
    client.force_login(TechnicianFactory())

    assert client.get(file_url(document)).status_code == 404


def test_a_logged_out_request_never_gets_the_bytes(client, document):
    response = client.get(file_url(document))

    assert response.status_code == 404
    assert not getattr(response, "streaming", False)
    assert b"PNG" not in response.content
    for url in (reverse("contracts:document_list"), reverse("contracts:document_queue")):
        response = client.get(url)
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]


def test_a_missing_document_is_404(client, staff):
    client.force_login(staff)

    assert client.get(reverse("contracts:document_file", args=[999999])).status_code == 404


# --- Staff review and the waiver ------------------------------------------------------------


def fresh_waiver(customer):
    """The waiver as staff's pages see it (the customer read alone, the guarantor read for it) and
    as the customer's own pages do (the guarantor's facts read with the customer): always the
    same."""
    today = timezone.now().astimezone(SHANGHAI).date()
    waiver = customer_waiver(customer=Customer.objects.get(pk=customer.pk), on=today)
    if customer.user is not None:
        assert customer_waiver(customer=customer_of(customer.user), on=today) == waiver
    return waiver


def test_a_company_is_waived_once_both_documents_are_verified(staff):
    company = CompanyFactory()
    licence = document_upload(
        customer=company, kind="business_licence", uploaded_file=jpeg(), by=company.user
    )
    representative = document_upload(
        customer=company, kind="representative_id", uploaded_file=png(), by=company.user
    )
    assert fresh_waiver(company).waived is False

    document_verify(document=licence, by=staff)
    assert fresh_waiver(company).waived is False
    document_verify(
        document=representative, by=staff, representative_id=make_resident_id(77, born="19800101")
    )

    company.refresh_from_db()
    assert company.licence_verified_at is not None
    assert company.representative_id_verified_at is not None
    assert company.representative_id == make_resident_id(77, born="19800101")
    assert fresh_waiver(company).waived is True
    licence.refresh_from_db()
    assert licence.status == IdentityDocument.Status.VERIFIED
    assert licence.reviewed_by == staff
    assert AuditEvent.objects.filter(action="contracts.document.verified").count() == 2


def test_a_representative_id_cannot_be_verified_without_a_number(staff):
    company = CompanyFactory()
    representative = document_upload(
        customer=company, kind="representative_id", uploaded_file=png(), by=company.user
    )

    with pytest.raises(DocumentError) as refused:
        document_verify(document=representative, by=staff)

    assert refused.value.code == "representative_id"
    representative.refresh_from_db()
    company.refresh_from_db()
    assert representative.status == IdentityDocument.Status.PENDING
    assert company.representative_id_verified_at is None


def test_an_individual_needs_own_id_guarantor_id_and_confirmed_household(person, staff):
    guarantor = with_guarantor(person)
    own = document_upload(customer=person, kind="own_id", uploaded_file=jpeg(), by=person.user)
    theirs = document_upload(
        customer=person, kind="guarantor_id", uploaded_file=png(), by=person.user
    )

    document_verify(document=own, by=staff)
    assert fresh_waiver(person).waived is False
    document_verify(document=theirs, by=staff)

    guarantor.refresh_from_db()
    assert guarantor.id_verified_at is not None
    assert person.documents.count() == 2
    assert fresh_waiver(person).waived is False
    guarantor_confirm_household(guarantor=guarantor, by=staff)
    assert fresh_waiver(person).waived is True


def test_a_3502_guarantor_is_not_enough_without_staff_confirmation(person, staff):
    guarantor = with_guarantor(person, region="350203")
    for kind, file in (("own_id", jpeg()), ("guarantor_id", png()), ("household_register", png())):
        document = document_upload(customer=person, kind=kind, uploaded_file=file, by=person.user)
        document_verify(document=document, by=staff)

    decision = fresh_waiver(person)

    assert guarantor.id_number.startswith("3502")
    assert decision.waived is False
    assert decision.missing == (
        "Staff have not yet confirmed the guarantor's Xiamen household registration",
    )
    guarantor.refresh_from_db()
    assert guarantor.household_confirmed_at is None


def test_a_guarantor_from_elsewhere_qualifies_once_staff_confirm_the_registration(person, staff):
    guarantor = with_guarantor(person, region="110101")
    for kind, file in (("own_id", jpeg()), ("guarantor_id", png())):
        document_verify(
            document=document_upload(
                customer=person, kind=kind, uploaded_file=file, by=person.user
            ),
            by=staff,
        )

    guarantor_confirm_household(guarantor=guarantor, by=staff)

    guarantor.refresh_from_db()
    assert guarantor.household_confirmed_by == staff
    assert fresh_waiver(person).waived is True
    assert AuditEvent.objects.filter(action="contracts.guarantor.household_confirmed").exists()


def test_rejecting_needs_a_reason_and_the_customer_sees_it(client, document, staff):
    with pytest.raises(DocumentError) as refused:
        document_reject(document=document, by=staff, reason="   ")
    assert refused.value.code == "reason"

    document_reject(document=document, by=staff, reason="The photo is blurred, take it again")

    document.refresh_from_db()
    assert document.status == IdentityDocument.Status.REJECTED
    assert document.reviewed_by == staff
    assert fresh_waiver(document.customer).waived is False
    client.force_login(document.customer.user)
    page = client.get(reverse("contracts:document_list")).content.decode()
    assert "The photo is blurred, take it again" in page
    # And is told, with the reason, without having to look.
    notices = Notification.objects.filter(event="document.rejected")
    assert sorted(notices.values_list("channel", flat=True)) == ["email", "sms"]
    sms = notices.get(channel="sms")
    assert (
        sms.body
        == "【新思索租赁】您的证件未通过审核：The photo is blurred, take it again。请重新上传。"
    )
    assert notices.get(channel="email").subject.startswith("请重新上传证件：")


def test_a_verified_copy_is_announced_to_the_customer(document, staff):
    document_verify(document=document, by=staff)

    [mail] = Notification.objects.filter(event="document.verified", channel="email")
    assert mail.recipient == document.customer.email
    assert mail.subject.startswith("证件已通过审核：")


def test_only_staff_can_review(document):
    owner = document.customer.user
    guarantor = with_guarantor(document.customer)

    for review in (
        lambda: document_verify(document=document, by=owner),
        lambda: document_reject(document=document, by=owner, reason="Looks fine to me"),
        lambda: guarantor_confirm_household(guarantor=guarantor, by=owner),
    ):
        with pytest.raises(NotAllowed):
            review()

    document.refresh_from_db()
    guarantor.refresh_from_db()
    assert document.status == IdentityDocument.Status.PENDING
    assert guarantor.household_confirmed_at is None


def test_a_reviewed_document_cannot_be_reviewed_again(document, staff):
    document_verify(document=document, by=staff)

    with pytest.raises(DocumentError) as refused:
        document_reject(document=document, by=staff, reason="Changed my mind")

    assert refused.value.code == "not_pending"
    document.refresh_from_db()
    assert document.status == IdentityDocument.Status.VERIFIED


def test_staff_review_pages_show_the_queue_and_act(client, document, staff):
    client.force_login(staff)

    queue = client.get(reverse("contracts:document_queue"))
    assert queue.status_code == 200
    assert f'src="{file_url(document)}"' in queue.content.decode()

    response = client.post(
        reverse("contracts:document_reject", args=[document.pk]),
        {f"r{document.pk}-reason": "Cut off at the edge"},
    )
    assert response.status_code == 302
    document.refresh_from_db()
    assert document.reject_reason == "Cut off at the edge"

    second = document_upload(
        customer=document.customer, kind="own_id", uploaded_file=jpeg(), by=document.customer.user
    )
    response = client.post(
        reverse("contracts:document_verify", args=[second.pk]),
        {"next": reverse("contracts:document_customer", args=[document.customer_id])},
    )
    assert response["Location"] == reverse(
        "contracts:document_customer", args=[document.customer_id]
    )
    second.refresh_from_db()
    assert second.status == IdentityDocument.Status.VERIFIED


def test_the_staff_customer_page_shows_the_waiver_and_confirms_the_household(client, person, staff):
    guarantor = with_guarantor(person)
    client.force_login(staff)
    url = reverse("contracts:document_customer", args=[person.pk])

    page = client.get(url).content.decode()

    assert "The customer&#x27;s ID card has not been verified by staff yet" in page
    assert "Xiamen household registration" in page
    response = client.post(
        reverse("contracts:guarantor_confirm_household", args=[guarantor.pk]), {"next": url}
    )
    assert response["Location"] == url
    guarantor.refresh_from_db()
    assert guarantor.household_confirmed_by == staff


# --- The customer's page --------------------------------------------------------------------


def test_the_customer_uploads_through_the_page(client, person, private_root):
    client.force_login(person.user)

    response = client.post(reverse("contracts:document_upload"), {"kind": "own_id", "file": jpeg()})

    assert response.status_code == 302
    assert person.documents.get().content_type == "image/jpeg"
    page = client.get(reverse("contracts:document_list")).content.decode()
    assert "Waiting for staff" in page
    assert "The customer&#x27;s ID card has not been verified by staff yet" in page


def test_a_bad_upload_through_the_page_shows_the_message_and_stores_nothing(
    client, person, private_root
):
    client.force_login(person.user)

    response = client.post(
        reverse("contracts:document_upload"),
        {"kind": "own_id", "file": upload("holiday.jpg", ELF, "image/jpeg")},
    )

    assert response.status_code == 400
    assert "not a JPEG, PNG or PDF" in response.content.decode()
    assert IdentityDocument.objects.count() == 0
    assert stored_files(private_root) == []


def test_a_customer_cannot_upload_for_a_kind_of_another_customer_type(client, private_root):
    company = CompanyFactory()
    client.force_login(company.user)

    response = client.post(reverse("contracts:document_upload"), {"kind": "own_id", "file": png()})

    assert response.status_code == 400
    assert IdentityDocument.objects.count() == 0
    assert stored_files(private_root) == []


# --- Guarantors -----------------------------------------------------------------------------


def test_the_customer_cannot_be_their_own_guarantor(person):
    own = person.resident_id
    typed = f" {own[:6]} {own[6:14]} {own[14:].lower()} "

    with pytest.raises(GuarantorError) as refused:
        guarantor_set(
            customer=person, name="张伟", id_number=typed, phone=GUARANTOR_PHONE, by=person.user
        )

    assert refused.value.code == "self"
    assert "your own guarantor" in str(refused.value)
    assert Guarantor.objects.count() == 0


def test_a_minor_cannot_be_guarantor(person):
    today = timezone.now().astimezone(SHANGHAI).date()
    born = (today - timedelta(days=17 * 365)).strftime("%Y%m%d")

    with pytest.raises(GuarantorError) as refused:
        guarantor_set(
            customer=person,
            name="李小",
            id_number=make_resident_id(3, born=born),
            phone=GUARANTOR_PHONE,
            by=person.user,
        )

    assert refused.value.code == "minor"
    assert Guarantor.objects.count() == 0


def test_a_company_has_no_guarantor():
    company = CompanyFactory()

    with pytest.raises(GuarantorError) as refused:
        guarantor_set(
            customer=company,
            name="李娜",
            id_number=adult_guarantor_id(),
            phone=GUARANTOR_PHONE,
            by=company.user,
        )

    assert refused.value.code == "company"
    assert Guarantor.objects.count() == 0


def _wrong_check_digit(number: str) -> str:
    return number[:-1] + ("1" if number[-1] != "1" else "2")


@pytest.mark.parametrize(
    ("id_number", "phone", "error"),
    [
        (adult_guarantor_id()[:-1], GUARANTOR_PHONE, IdentityError),
        (_wrong_check_digit(adult_guarantor_id()), GUARANTOR_PHONE, IdentityError),
        (adult_guarantor_id(), "12345", PhoneError),
    ],
)
def test_guarantor_numbers_are_checked(person, id_number, phone, error):
    with pytest.raises(error):
        guarantor_set(
            customer=person, name="李娜", id_number=id_number, phone=phone, by=person.user
        )

    assert Guarantor.objects.count() == 0


def test_a_new_guarantor_replaces_the_old_one_and_their_waiting_copies(person, staff):
    old = with_guarantor(person)
    waiting = document_upload(
        customer=person, kind="guarantor_id", uploaded_file=png(), by=person.user
    )

    new = guarantor_set(
        customer=person,
        name="王芳",
        id_number=adult_guarantor_id(n=600),
        phone="+86 139 1234 0000",
        by=person.user,
    )

    old.refresh_from_db()
    waiting.refresh_from_db()
    assert old.is_active is False
    assert new.is_active is True
    assert new.phone == "+8613912340000"
    assert list(Guarantor.objects.filter(customer=person, is_active=True)) == [new]
    assert waiting.status == IdentityDocument.Status.REJECTED
    assert waiting.reject_reason == "The guarantor was replaced."
    with pytest.raises(GuarantorError):
        guarantor_confirm_household(guarantor=old, by=staff)


def test_the_same_guarantor_again_keeps_their_verification(person, staff):
    guarantor = with_guarantor(person)
    document_verify(
        document=document_upload(
            customer=person, kind="guarantor_id", uploaded_file=png(), by=person.user
        ),
        by=staff,
    )

    again = guarantor_set(
        customer=person,
        name="李娜",
        id_number=adult_guarantor_id(),
        phone="13900001111",
        by=person.user,
    )

    assert again.pk == guarantor.pk
    assert again.phone == "+8613900001111"
    assert again.id_verified_at is not None


def test_the_guarantor_form_shows_errors_beside_the_field(client, person):
    client.force_login(person.user)

    response = client.post(
        reverse("contracts:guarantor_set"),
        {"name": "张伟", "id_number": person.resident_id, "phone": GUARANTOR_PHONE},
    )

    assert response.status_code == 400
    assert "You cannot be your own guarantor." in response.content.decode()
    assert Guarantor.objects.count() == 0
    response = client.post(
        reverse("contracts:guarantor_set"),
        {"name": "李娜", "id_number": adult_guarantor_id(), "phone": GUARANTOR_PHONE},
    )
    assert response.status_code == 302
    assert Guarantor.objects.get().customer == person
