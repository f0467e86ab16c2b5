"""Issue 10, item 4: PDFs with active content are refused after every filter is undone, pixel
bombs are "too large to check", and every stored copy is served sandboxed and never sniffed."""

from __future__ import annotations

import binascii
import hashlib
import io
import zlib

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import translation
from PIL import Image

from contracts.models import IdentityDocument
from contracts.models.documents import private_storage
from contracts.services.documents import DocumentError, document_upload
from tests.contracts.test_documents import pdf_bytes, upload
from tests.factories import CustomerFactory, StaffFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    yield tmp_path


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def _objstm(body: bytes, *, filters: bytes, encoded: bytes) -> bytes:
    return (
        b"<< /Type /ObjStm /N 1 /First 4 /Length %d /Filter %s >>\nstream\n"
        % (len(encoded), filters)
        + encoded
        + b"\nendstream"
    )


_JS = b"5 0 << /S /JavaScript /JS (app.alert(1)) >>"
_hex = binascii.hexlify(b"<< /S /JavaScript /JS (app.alert(1)) >>") + b">"
ACTIVE_PDFS = {
    # JavaScript in an object stream hidden behind ASCIIHex and then Flate.
    "javascript behind asciihex in an object stream": pdf_bytes(
        objects=(
            _objstm(
                b"",
                filters=b"[/FlateDecode /ASCIIHexDecode]",
                encoded=zlib.compress(binascii.hexlify(b"6 0 " + _JS[4:]) + b">"),
            ),
        )
    ),
    "javascript behind asciihex alone": pdf_bytes(
        objects=(
            b"<< /Length %d /Filter /ASCIIHexDecode >>\nstream\n" % len(_hex)
            + _hex
            + b"\nendstream",
            b"<< /Type /ObjStm /N 1 /First 4 /Length %d /Filter /ASCIIHexDecode >>\nstream\n"
            % len(binascii.hexlify(b"7 0 << /S /JavaScript /JS (x) >>") + b">")
            + binascii.hexlify(b"7 0 << /S /JavaScript /JS (x) >>")
            + b">\nendstream",
        )
    ),
    "an XFA form": pdf_bytes(
        catalog_extra=b"/AcroForm << /Fields [] /XFA 5 0 R >> ",
        objects=(b"<< /Length 8 >>\nstream\n<script>\nendstream",),
    ),
    "an open action opening a URI": pdf_bytes(
        catalog_extra=b"/OpenAction << /S /URI /URI (https://evil.example/) >> ",
    ),
    "a page with additional actions": pdf_bytes(
        catalog_extra=b"/AA << /O 5 0 R >> ",
        objects=(b"<< /S /SubmitForm /F (https://evil.example/) >>",),
    ),
    "an embedded file": pdf_bytes(
        catalog_extra=b"/Names << /EmbeddedFiles << /Names [(a.exe) 5 0 R] >> >> ",
        objects=(b"<< /Type /Filespec /F (a.exe) >>",),
    ),
    "a launch action": pdf_bytes(
        catalog_extra=b"/OpenAction << /S /Launch /F (cmd.exe) >> ",
    ),
}


@pytest.mark.parametrize("case", list(ACTIVE_PDFS))
def test_a_pdf_with_active_content_is_refused_and_nothing_is_stored(private_root, case):
    person = CustomerFactory()

    with pytest.raises(DocumentError) as refused:
        document_upload(
            customer=person,
            kind="own_id",
            uploaded_file=upload("id.pdf", ACTIVE_PDFS[case], "application/pdf"),
            by=person.user,
        )

    assert refused.value.code == "active_content"
    assert "scripts, attachments or launch actions" in str(refused.value)
    assert IdentityDocument.objects.count() == 0
    assert [p for p in private_root.rglob("*") if p.is_file()] == []


def test_a_plain_pdf_is_still_accepted():
    person = CustomerFactory()

    document = document_upload(
        customer=person,
        kind="own_id",
        uploaded_file=upload("id.pdf", pdf_bytes(), "application/pdf"),
        by=person.user,
    )

    assert document.content_type == "application/pdf"


def test_a_hundred_megapixel_png_is_too_large_to_check_not_damaged(settings):
    settings.DOCUMENT_MAX_PIXELS = 200_000_000  # let the decoder's own bomb guard speak
    person = CustomerFactory()
    buffer = io.BytesIO()
    Image.new("1", (10_000, 10_000)).save(buffer, format="PNG")  # 100 MP, a few kB

    with pytest.raises(DocumentError) as refused:
        document_upload(
            customer=person,
            kind="own_id",
            uploaded_file=upload("id.png", buffer.getvalue(), "image/png"),
            by=person.user,
        )

    assert refused.value.code == "too_large_to_check"
    assert "too large to check" in str(refused.value)
    assert "damaged" not in str(refused.value)


def _stored(person, content: bytes, content_type: str) -> IdentityDocument:
    """A copy stored before today's checks existed (written directly, as old rows were)."""
    name = private_storage.save(f"documents/{person.pk}/old.bin", ContentFile(content))
    return IdentityDocument.objects.create(
        customer=person,
        kind="own_id",
        file=name,
        content_type=content_type,
        sha256=hashlib.sha256(content).hexdigest(),
        size=len(content),
        uploaded_by=person.user,
    )


def test_every_copy_is_served_sandboxed_and_never_sniffed(client):
    person = CustomerFactory()
    buffer = io.BytesIO()
    Image.new("RGB", (20, 20)).save(buffer, format="PNG")
    document = document_upload(
        customer=person,
        kind="own_id",
        uploaded_file=upload("id.png", buffer.getvalue(), "image/png"),
        by=person.user,
    )
    client.force_login(StaffFactory(groups=["front_desk"]))

    response = client.get(reverse("contracts:document_file", args=[document.pk]))

    assert response.status_code == 200
    assert response["Content-Security-Policy"].startswith("sandbox")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("inline")


def test_an_old_pdf_that_fails_todays_check_is_downloaded_not_shown(client):
    person = CustomerFactory()
    old = _stored(person, ACTIVE_PDFS["an open action opening a URI"], "application/pdf")
    plain = _stored(person, pdf_bytes(), "application/pdf")
    client.force_login(StaffFactory(groups=["manager"]))

    bad = client.get(reverse("contracts:document_file", args=[old.pk]))
    good = client.get(reverse("contracts:document_file", args=[plain.pk]))

    assert bad["Content-Disposition"].startswith("attachment")
    assert bad["Content-Security-Policy"].startswith("sandbox")
    assert good["Content-Disposition"].startswith("inline")
