"""A contract reads wholly in its reader's language: the records keep facts, not sentences."""

import io
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from pypdf import PdfReader

from contracts.services import contracts as lifecycle
from tests.factories import (
    AddressFactory,
    AssetFactory,
    ContractFactory,
    CustomerFactory,
    EquipmentModelFactory,
    StaffFactory,
)

pytestmark = pytest.mark.django_db

CJK = re.compile(r"[\u3400-\u9fff\uff01-\uff5e\u3001-\u303f]")
ENGLISH_WORDS = re.compile(r"\b[A-Za-z]{4,}\b")
# Words an English-free Chinese page may still carry: units, codes, brand and format names.
LATIN_ALLOWED = {"Lenovo", "ThinkPad", "CNY", "PDF", "Office", "Windows", "Xinsisuo", "English"}


def _text(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    html = re.sub(r"<[^>]+>", " ", html)
    return re.sub(r"&\w+;|&#\d+;", " ", html)


def _without(text: str, names: list[str]) -> str:
    for name in sorted(names, key=len, reverse=True):
        text = text.replace(name, " ")
    return text


@pytest.fixture
def contract_with_history():
    """A contract signed in Chinese, handed over, extended, returned late and damaged."""
    staff = StaffFactory(first_name="Wei", last_name="Lin")
    customer = CustomerFactory(name="张伟")
    address = AddressFactory(customer=customer, line="思明区软件园二期观日路 24 号")
    model = EquipmentModelFactory(
        accessories=[{"zh": "电源适配器", "en": "Power adapter"}, {"zh": "鼠标", "en": "Mouse"}]
    )
    asset = AssetFactory(model=model)
    contract = ContractFactory(
        status="draft", customer=customer, address=address, tier="basic", units=[asset]
    )
    lifecycle.contract_sign(contract=contract, by=staff, place="office", language="zh-hans")
    lifecycle.contract_handover_scan(contract=contract, asset_tag=asset.asset_tag, by=staff)
    contract.refresh_from_db()
    lifecycle.contract_extend(
        contract=contract, ends_at=contract.ends_at + timedelta(days=2), by=staff
    )
    contract.refresh_from_db()
    lifecycle.contract_return_unit(
        contract=contract,
        asset_tag=asset.asset_tag,
        condition="damaged",
        damage_amount=Decimal("150"),
        missing_accessories=["鼠标"],
        by=staff,
        returned_at=contract.ends_at + timedelta(hours=3),
    )
    contract.refresh_from_db()
    names = [
        customer.name,
        address.line,
        str(address),
        model.name,
        str(model),
        str(model.brand),
        asset.asset_tag,
        asset.serial_number,
        contract.number,
        "厦门新思索计算机租赁有限公司",
        "厦门市思明区软件园二期观日路 24 号",
        "简体中文",  # the language switch names each language in itself
    ]
    return contract, staff, names


def _pages(client, contract, staff, language):
    client.cookies["django_language"] = language
    client.force_login(staff)
    desk = client.get(f"/staff/contracts/{contract.number}/").content.decode()
    client.force_login(contract.customer.user)
    statement = client.get(f"/contracts/{contract.number}/").content.decode()
    response = client.get(f"/contracts/{contract.number}/pdf/?lang={language}")
    pdf = b"".join(response.streaming_content) if response.streaming else response.content
    pdf_text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    return {"desk": _text(desk), "statement": _text(statement), "pdf": pdf_text}


def test_english_readers_see_no_chinese_outside_names_and_addresses(client, contract_with_history):
    contract, staff, names = contract_with_history

    pages = _pages(client, contract, staff, "en")

    for where, text in pages.items():
        # Whitespace goes first: a PDF's text may wrap inside an address.
        squeezed = re.sub(r"\s+", "", text)
        left = CJK.findall(_without(squeezed, [re.sub(r"\s+", "", n) for n in names]))
        assert left == [], f"{where}: {''.join(left)[:80]}"
    assert "Mouse" in pages["statement"]
    assert "Late return of" in pages["statement"]


def test_chinese_readers_see_no_english_sentences(client, contract_with_history):
    contract, staff, names = contract_with_history

    pages = _pages(client, contract, staff, "zh-hans")

    for where, text in pages.items():
        words = set(ENGLISH_WORDS.findall(_without(text, names))) - LATIN_ALLOWED
        assert words == set(), f"{where}: {sorted(words)[:20]}"
    assert "鼠标" in pages["statement"]
