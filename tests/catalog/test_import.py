"""Bulk import of assets from CSV and Excel: every row checked, then all rows or none."""

import io
from datetime import date, datetime, timedelta

import openpyxl
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation

from catalog.imports import ImportRejected, assets_import
from catalog.models import Asset
from rental.core.models import AuditEvent
from tests.factories import (
    AssetFactory,
    BrandFactory,
    DepotFactory,
    EquipmentModelFactory,
    StaffFactory,
)

pytestmark = pytest.mark.django_db

HEADER = "model,serial_number,asset_tag,depot,acquired_on,condition_notes"


@pytest.fixture
def thinkpad():
    return EquipmentModelFactory(
        brand=BrandFactory(slug="lenovo", name="Lenovo", name_zh="联想"),
        name="ThinkPad T14",
        slug="thinkpad-t14",
    )


@pytest.fixture
def depot():
    return DepotFactory(name="厦门总部")


@pytest.fixture
def staff():
    return StaffFactory(is_superuser=True)


def csv_file(*lines: str, encoding: str = "utf-8") -> io.BytesIO:
    return io.BytesIO("\n".join(lines).encode(encoding))


def xlsx_file(rows: list[list]) -> io.BytesIO:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    return out


def test_a_valid_csv_creates_every_unit_and_one_audit_event(thinkpad, depot, staff):
    file = csv_file(
        HEADER,
        "thinkpad-t14,PF-0001,XSS-L-001,厦门总部,2024-03-15,",
        "thinkpad-t14,PF-0002,XSS-L-002,厦门总部,,键盘有轻微磨损",
    )

    result = assets_import(file=file, filename="units.csv", by=staff)

    assert result.count == 2
    units = list(Asset.objects.order_by("asset_tag"))
    assert [(a.asset_tag, a.serial_number, a.model, a.depot) for a in units] == [
        ("XSS-L-001", "PF-0001", thinkpad, depot),
        ("XSS-L-002", "PF-0002", thinkpad, depot),
    ]
    assert units[0].acquired_on == date(2024, 3, 15)
    assert units[1].condition_notes == "键盘有轻微磨损"
    assert all(a.service_status == Asset.ServiceStatus.IN_SERVICE for a in units)
    event = AuditEvent.objects.get(action="catalog.assets.imported")
    assert event.actor == staff
    assert event.data["count"] == 2
    assert event.data["filename"] == "units.csv"


def test_an_excel_file_with_date_cells_and_numeric_serials(thinkpad, depot, staff):
    file = xlsx_file(
        [
            ["model", "serial_number", "asset_tag", "depot", "acquired_on"],
            ["thinkpad-t14", 123456, "XSS-L-010", "厦门总部", datetime(2023, 9, 1)],
            [None, None, None, None, None],  # blank rows are skipped
            ["thinkpad-t14", "PF-0011", "XSS-L-011", "厦门总部", "2023/09/02"],
        ]
    )

    result = assets_import(file=file, filename="units.xlsx", by=staff)

    assert result.count == 2
    first = Asset.objects.get(asset_tag="XSS-L-010")
    assert first.serial_number == "123456"
    assert first.acquired_on == date(2023, 9, 1)
    assert Asset.objects.get(asset_tag="XSS-L-011").acquired_on == date(2023, 9, 2)


def test_brand_and_model_name_columns_and_chinese_headers(thinkpad, depot, staff):
    file = csv_file(
        "品牌,型号名称,序列号,资产标签,仓库",
        "联想,ThinkPad T14,PF-0100,XSS-L-100,厦门总部",
        "lenovo,thinkpad t14,PF-0101,XSS-L-101,",  # one depot only: it may be left empty
    )

    assert assets_import(file=file, filename="units.csv", by=staff).count == 2
    assert set(Asset.objects.values_list("model_id", flat=True)) == {thinkpad.pk}


def test_a_gb18030_csv_from_chinese_excel_is_read(thinkpad, depot, staff):
    file = csv_file(
        HEADER, "thinkpad-t14,PF-0200,XSS-L-200,厦门总部,,屏幕有划痕", encoding="gb18030"
    )

    assets_import(file=file, filename="units.csv", by=staff)

    assert Asset.objects.get().condition_notes == "屏幕有划痕"


def test_one_bad_row_imports_nothing_and_every_problem_is_reported(thinkpad, depot, staff):
    AssetFactory(model=thinkpad, serial_number="PF-OLD", asset_tag="XSS-OLD")
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    file = csv_file(
        HEADER,
        "thinkpad-t14,PF-1,XSS-1,厦门总部,,",  # row 2: fine
        "no-such-model,PF-2,XSS-2,厦门总部,,",  # row 3
        "thinkpad-t14,PF-1,XSS-3,厦门总部,,",  # row 4: serial repeats row 2
        "thinkpad-t14,pf-old,XSS-4,厦门总部,,",  # row 5: serial already registered
        "thinkpad-t14,PF-5,xss-old,厦门总部,,",  # row 6: tag already in use
        "thinkpad-t14,PF-6,XSS-1,厦门总部,,",  # row 7: tag repeats row 2
        "thinkpad-t14,PF-7,XSS-7,鼓浪屿仓,15/03/2024,",  # row 8: depot and date
        f"thinkpad-t14,PF-8,XSS-8,厦门总部,{tomorrow},",  # row 9: date in the future
        "thinkpad-t14,,,厦门总部,,",  # row 10: serial and tag missing
    )

    with translation.override("en"), pytest.raises(ImportRejected) as caught:
        assets_import(file=file, filename="units.csv", by=staff)

    assert [str(e) for e in caught.value.errors] == [
        "Row 3: unknown model no-such-model.",
        "Row 4: serial number PF-1 of this model is already in row 2.",
        "Row 5: serial number pf-old of Lenovo ThinkPad T14 is already registered.",
        "Row 6: asset tag xss-old is already in use.",
        "Row 7: asset tag XSS-1 is already in row 2.",
        "Row 8: unknown depot 鼓浪屿仓.",
        "Row 8: the acquisition date 15/03/2024 is not a date like 2024-03-15.",
        f"Row 9: the acquisition date {tomorrow} is in the future.",
        "Row 10: the serial number is missing.",
        "Row 10: the asset tag is missing.",
    ]
    assert Asset.objects.count() == 1  # only the unit that was there before
    assert not AuditEvent.objects.filter(action="catalog.assets.imported").exists()


def test_row_errors_are_in_chinese_for_chinese_staff(thinkpad, depot, staff):
    file = csv_file(HEADER, "no-such-model,PF-2,XSS-2,厦门总部,,")

    with translation.override("zh-hans"), pytest.raises(ImportRejected) as caught:
        assets_import(file=file, filename="units.csv", by=staff)

    assert str(caught.value) == "未导入任何设备：请修改以下各行后重试。"
    assert [str(e) for e in caught.value.errors] == ["第2行：未知型号no-such-model。"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "The file is empty."),
        (HEADER, "The file has a header but no rows."),
        ("model,asset_tag\nthinkpad-t14,X", "The file has no column serial_number."),
        ("serial_number,asset_tag\nA,B", "The file has no column model."),
    ],
)
def test_a_file_that_cannot_be_read_as_units(thinkpad, depot, staff, content, message):
    with translation.override("en"), pytest.raises(ImportRejected) as caught:
        assets_import(file=csv_file(content), filename="units.csv", by=staff)

    assert str(caught.value) == message
    assert Asset.objects.count() == 0


def test_a_file_that_is_not_a_spreadsheet(thinkpad, depot, staff):
    with translation.override("en"), pytest.raises(ImportRejected) as caught:
        assets_import(file=io.BytesIO(b"not a zip"), filename="units.xlsx", by=staff)

    assert str(caught.value) == "This is not a readable .xlsx file."


# --- the console page -------------------------------------------------------------------------


def upload(content: str, name: str = "units.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content.encode(), content_type="text/csv")


def test_the_console_imports_a_file_and_says_how_many(client, thinkpad, depot, staff):
    client.force_login(staff)
    content = "\n".join([HEADER, "thinkpad-t14,PF-1,XSS-1,厦门总部,,"])

    response = client.post(
        reverse("admin:catalog_asset_import"), {"file": upload(content)}, follow=True
    )

    assert response.redirect_chain[-1][0] == reverse("admin:catalog_asset_changelist")
    assert "已导入1台设备。" in response.content.decode()
    assert Asset.objects.get().asset_tag == "XSS-1"


def test_the_console_lists_row_errors_and_imports_nothing(client, thinkpad, depot, staff):
    client.force_login(staff)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    content = "\n".join(
        [HEADER, "thinkpad-t14,PF-1,XSS-1,厦门总部,,", "thinkpad-t14,PF-1,XSS-2,厦门总部,,"]
    )

    response = client.post(reverse("admin:catalog_asset_import"), {"file": upload(content)})

    assert response.status_code == 400
    html = response.content.decode()
    assert "Nothing was imported: fix these rows and try again." in html
    assert "Row 3: serial number PF-1 of this model is already in row 2." in html
    assert Asset.objects.count() == 0


def test_the_console_refuses_other_file_types(client, staff):
    client.force_login(staff)

    response = client.post(
        reverse("admin:catalog_asset_import"), {"file": upload("x", name="units.pdf")}
    )

    assert response.status_code == 400
    assert "请上传.csv或.xlsx文件。" in response.content.decode()


def test_the_asset_list_offers_the_import(client, staff):
    client.force_login(staff)

    html = client.get(reverse("admin:catalog_asset_changelist")).content.decode()

    assert reverse("admin:catalog_asset_import") in html
