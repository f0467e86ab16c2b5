"""QR code labels: a printable page with one label per selected unit."""

import re

import pytest
from django.urls import reverse

from catalog.labels import labels_for, qr_svg
from catalog.models import Asset
from tests.factories import AssetFactory, BrandFactory, EquipmentModelFactory, StaffFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def units():
    model = EquipmentModelFactory(
        brand=BrandFactory(slug="epson", name="Epson"), name="CB-2065", slug="cb-2065"
    )
    return [
        AssetFactory(model=model, asset_tag=f"XSS-P-{n:03d}", serial_number=f"X5{n:06d}")
        for n in (2, 1, 3)
    ]


def test_a_qr_code_is_a_square_svg_of_dark_modules():
    svg = qr_svg("XSS-P-001")

    assert svg.startswith('<svg class="qr" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 25 25"')
    assert "<title>XSS-P-001</title>" in svg
    assert re.search(r'<path fill="#000" d="(M\d+,\d+h\d+v1h-\d+z)+"/>', svg)


def test_a_qr_code_escapes_its_text():
    svg = qr_svg('<script>"x"</script>')

    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg


def test_the_qr_code_decodes_to_the_asset_tag():
    """The modules match what the qrcode package itself draws for the same text."""
    import qrcode

    reference = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2)
    reference.add_data("XSS-P-001")
    reference.make(fit=True)
    matrix = reference.get_matrix()
    expected = set()
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            if dark:
                expected.add((x, y))

    drawn = set()
    for x, y, width in re.findall(r"M(\d+),(\d+)h(\d+)", qr_svg("XSS-P-001")):
        drawn |= {(int(x) + i, int(y)) for i in range(int(width))}

    assert drawn == expected


def test_labels_are_in_tag_order_with_serial_and_model(units):
    labels = labels_for(Asset.objects.select_related("model__brand"))

    assert [(lb.asset_tag, lb.serial_number, lb.model) for lb in labels] == [
        ("XSS-P-001", "X5000001", "Epson CB-2065"),
        ("XSS-P-002", "X5000002", "Epson CB-2065"),
        ("XSS-P-003", "X5000003", "Epson CB-2065"),
    ]


def test_staff_print_labels_for_the_selected_units(client, units):
    client.force_login(StaffFactory(is_superuser=True))
    chosen = units[:2]

    response = client.post(
        reverse("admin:catalog_asset_changelist"),
        {"action": "print_labels", "_selected_action": [a.pk for a in chosen]},
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('<section class="label"') == 2
    for asset in chosen:
        assert f'data-tag="{asset.asset_tag}"' in html
        assert f"S/N {asset.serial_number}" in html
        assert f"<title>{asset.asset_tag}</title>" in html
    assert "XSS-P-003" not in html
    assert html.count('<svg class="qr"') == 2
    assert "Epson CB-2065" in html
    assert "新思索租赁资产" in html
    assert "@page { size: A4;" in html


def test_labels_need_a_staff_login(client, units):
    response = client.post(
        reverse("admin:catalog_asset_changelist"),
        {"action": "print_labels", "_selected_action": [units[0].pk]},
    )

    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))
