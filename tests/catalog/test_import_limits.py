"""Issue 10: the console import refuses what it cannot read with "nothing imported, row N: why",
and a file over the row limit is refused before it is read whole."""

import io
import zipfile

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from catalog import imports
from catalog.imports import ImportRejected, assets_import
from catalog.models import Asset
from tests.catalog.test_import import HEADER, depot, thinkpad  # noqa: F401 - fixtures
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def _csv(text: str) -> io.BytesIO:
    return io.BytesIO(text.encode())


def test_a_csv_cell_over_131072_characters_names_its_row(thinkpad, depot):  # noqa: F811
    content = "\n".join(
        [
            HEADER,
            "thinkpad-t14,PF-1,XSS-1,厦门总部,,",
            f'thinkpad-t14,PF-2,XSS-2,厦门总部,,"{"x" * 140_000}"',
        ]
    )

    with pytest.raises(ImportRejected) as refused:
        assets_import(file=_csv(content), filename="units.csv", by=None)

    assert str(refused.value) == "Nothing was imported: fix these rows and try again."
    assert [e.text for e in refused.value.errors] == [
        "Row 3: a cell is longer than 131,072 characters."
    ]
    assert Asset.objects.count() == 0


def test_a_csv_over_the_row_limit_stops_reading_at_the_limit(monkeypatch, thinkpad, depot):  # noqa: F811
    monkeypatch.setattr(imports, "MAX_ROWS", 10)
    rows = [HEADER] + [f"thinkpad-t14,PF-{n},XSS-{n},厦门总部,," for n in range(5000)]

    with pytest.raises(ImportRejected) as refused:
        assets_import(file=_csv("\n".join(rows)), filename="units.csv", by=None)

    assert "at most 10 rows" in str(refused.value)
    assert Asset.objects.count() == 0


def _xlsx(rows) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_an_xlsx_declaring_too_many_rows_is_refused_before_its_rows_are_read(monkeypatch):
    monkeypatch.setattr(imports, "MAX_ROWS", 10)
    content = _xlsx(
        [HEADER.split(",")] + [["thinkpad-t14", f"PF-{n}", f"XSS-{n}"] for n in range(30)]
    )
    read = []
    original = openpyxl.worksheet._read_only.ReadOnlyWorksheet._cells_by_row

    def counting(self, *args, **kwargs):
        for row in original(self, *args, **kwargs):
            read.append(1)
            yield row

    monkeypatch.setattr(openpyxl.worksheet._read_only.ReadOnlyWorksheet, "_cells_by_row", counting)

    with pytest.raises(ImportRejected) as refused:
        assets_import(file=io.BytesIO(content), filename="units.xlsx", by=None)

    assert "at most 10 rows" in str(refused.value)
    assert read == []


def test_an_xlsx_with_a_broken_sheet_is_a_clear_message(client):
    good = _xlsx([HEADER.split(","), ["thinkpad-t14", "PF-1", "XSS-1"]])
    broken = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(good)) as source, zipfile.ZipFile(broken, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data[: len(data) // 2]  # the sheet's XML cut in the middle
            target.writestr(item, data)
    client.force_login(StaffFactory())

    response = client.post(
        reverse("admin:catalog_asset_import"),
        {"file": SimpleUploadedFile("units.xlsx", broken.getvalue())},
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert "Nothing was imported" in html
    assert "cannot be read" in html or "not a readable .xlsx file" in html
    assert Asset.objects.count() == 0
