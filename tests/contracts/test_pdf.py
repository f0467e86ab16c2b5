"""The printed contract (租赁协议书): its service terms in words and the PDF of a snapshot."""

from __future__ import annotations

import ast
import base64
import io
import re
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import translation
from django.utils.translation import gettext, ngettext, pgettext
from PIL import Image, ImageChops, ImageDraw
from pypdf import PdfReader

from contracts.pdf import LANGUAGES, ContractPdfError, render_contract_pdf
from contracts.terms_text import service_terms_in_words
from service_tickets.terms import PUBLISHED_TERMS, TIERS

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "var" / "screenshots"
SOURCES = ("contracts/pdf.py", "contracts/terms_text.py", "templates/contracts/pdf/contract.html")
# A gettext call with literal arguments, in the Python-like text `templatize` makes of a template.
_TEMPLATE_CALL = re.compile(
    r"\b(gettext|pgettext|ngettext)"
    r"\(((?:\s*u?(?:'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\")\s*,?)+)\)"
)


# --- translations -------------------------------------------------------------------------------


def _messages(path: str) -> list[tuple[str, tuple]]:
    """(function, literal arguments) of every gettext call with literal strings in a module, or
    of every {% translate %} and {% blocktranslate %} of a template (as makemessages reads it)."""
    source = (ROOT / path).read_text()
    if path.endswith(".html"):
        from django.utils.translation.template import templatize

        return [
            (name, ast.literal_eval(f"({arguments},)"))
            for name, arguments in _TEMPLATE_CALL.findall(templatize(source))
        ]
    tree = ast.parse(source)
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
            continue
        name = node.func.id
        if name not in ("gettext", "ngettext", "pgettext"):
            continue
        literals = tuple(arg.value for arg in node.args if isinstance(arg, ast.Constant))
        if name == "ngettext":
            literals = literals[:2]
        if len(literals) == (1 if name == "gettext" else 2):
            found.append((name, literals))
    return found


@pytest.mark.parametrize("path", SOURCES)
def test_every_string_has_a_chinese_translation(path):
    messages = _messages(path)
    assert len(messages) > (40 if path.endswith(".html") else 5)
    untranslated = []
    with translation.override("zh-hans"):
        for name, literals in messages:
            if name == "gettext":
                translated = gettext(literals[0])
            elif name == "pgettext":
                translated = pgettext(*literals)
            else:
                translated = ngettext(*literals, 2)
            if translated == literals[-1] and not re.fullmatch(r"[_\s]*", literals[-1]):
                untranslated.append(literals)
    assert untranslated == []


# --- the service terms in words ------------------------------------------------------------------

PREVAILS = "Where this contract states other service terms, the contract prevails."


def _english(terms=PUBLISHED_TERMS, tier="rapid") -> list[str]:
    with translation.override("en"):
        return service_terms_in_words(terms=terms, tier=tier)


def test_basic_tier_in_words():
    words = _english(tier="basic")
    assert "Telephone support is free of charge." in words
    assert (
        "Repair at our technical department (you bring the unit to us) is free of charge, "
        "except for items this contract makes chargeable." in words
    )
    assert (
        "In the base zone, each one-way delivery or pickup trip is charged at the taxi fare for "
        "the distance: 10 CNY for the first 3 km, then 2 CNY for each further km or part of a "
        "km." in words
    )
    assert (
        "Outside the base zone, each one-way delivery or pickup trip is charged at the taxi fare "
        "for the distance plus a 50 CNY service fee; the taxi fare is 10 CNY for the first 3 km, "
        "then 2 CNY for each further km or part of a km." in words
    )
    assert (
        "In the base zone, on-site hardware repair is charged at 50–100 CNY per visit for every "
        "1–2 units." in words
    )
    assert (
        "Outside the base zone, on-site hardware repair is charged at 100–200 CNY per visit for "
        "every 1–2 units." in words
    )
    assert (
        "In the base zone, on-site software repair (Windows, Office, network connection) is "
        "charged at 100 CNY per unit per visit." in words
    )
    assert (
        "Outside the base zone, on-site software repair (Windows, Office, network connection) is "
        "charged at 150–200 CNY per unit per visit." in words
    )
    assert (
        "Outside the base zone, on-site repair also carries a transport charge: the one-way taxi "
        "fare for the distance." in words
    )
    assert "In all areas, no on-site response time is guaranteed." in words
    assert not any("Response times count" in sentence for sentence in words)
    assert words[-1] == PREVAILS


def test_value_added_tier_in_words():
    words = _english(tier="value_added")
    assert "Repair at our technical department (you bring the unit to us) is free of charge." in (
        words
    )
    assert (
        "In the base zone, delivery and pickup are free within 10 km of our depot; beyond that, "
        "each one-way trip is charged 2 CNY for each km or part of a km beyond 10 km." in words
    )
    assert "In the base zone, on-site hardware repair is included at no charge." in words
    assert (
        "In the base zone, on-site software repair (Windows, Office, network connection) is "
        "included at no charge." in words
    )
    assert (
        "In the base zone, a technician will be on site within 24 hours of your call for "
        "service." in words
    )
    assert "Outside the base zone, the on-site response time is agreed case by case." in words
    assert (
        "We aim to resolve a problem within 24 hours of the technician's arrival; otherwise the "
        "repair fee is increased by 50% for each further started 24 hours, unless we waive the "
        "increase, for example when the delay was ours." in words
    )
    assert words[-1] == PREVAILS


def test_rapid_tier_in_words_has_the_noon_rule():
    words = _english(tier="rapid")
    assert "In the base zone, delivery and pickup are free of charge." in words
    assert "In the base zone, on-site hardware repair is included at no charge." in words
    assert (
        "In the base zone, a technician will be on site within 4 hours of your call for service "
        "for a rental shorter than 7 days, and within 12 hours for a rental of 7 days or more, "
        "except that for such a rental a call at or after 12:00 is answered by 12:00 the next "
        "day." in words
    )
    assert (
        "For response times, the length of a rental counts each started 24 hours of the rental "
        "period as one day." in words
    )
    assert (
        "Response times count from when your call for service is recorded, around the clock, "
        "including nights, weekends and public holidays; the target is a technician on site."
        in words
    )
    assert "Outside the base zone, the on-site response time is agreed case by case." in words
    assert words[-1] == PREVAILS


def test_contractual_tier_in_words_defers_to_the_contract():
    words = _english(tier="contractual")
    assert "Telephone support is provided as agreed in this contract." in words
    assert "In all areas, delivery and pickup are free of charge." in words
    assert "In all areas, on-site hardware repair is included at no charge." in words
    assert "In all areas, the on-site response time is as agreed in this contract." in words
    assert not any("transport charge" in sentence for sentence in words)
    assert words[-1] == PREVAILS


def test_contract_overrides_show_in_the_words():
    terms = PUBLISHED_TERMS.with_overrides(
        {
            "rapid.response_hours.base": 2,
            "rapid.response_hours.zhangzhou": 8,
            "rapid.delivery.zhangzhou": "free",
            "repair.software.outside.max": "180",
            "overtime.rate": "0.25",
        }
    )
    words = _english(terms=terms, tier="rapid")
    assert (
        "In the base zone, a technician will be on site within 2 hours of your call for service "
        "for a rental shorter than 7 days, and within 12 hours for a rental of 7 days or more, "
        "except that for such a rental a call at or after 12:00 is answered by 12:00 the next "
        "day." in words
    )
    assert (
        "In Zhangzhou, a technician will be on site within 8 hours of your call for service."
        in (words)
    )
    assert (
        "In Xiamen mainland, Quanzhou and other areas, the on-site response time is agreed case "
        "by case." in words
    )
    assert "In the base zone and Zhangzhou, delivery and pickup are free of charge." in words
    assert any("charged at 150–180 CNY per unit per visit" in sentence for sentence in words)
    assert any("increased by 25% for each further started 24 hours" in s for s in words)
    assert not any("within 4 hours" in sentence for sentence in words)


def test_overrides_of_the_radius_and_the_contractual_tier():
    terms = PUBLISHED_TERMS.with_overrides(
        {
            "value_added.delivery.free_km": "20",
            "contractual.response_hours.base": 6,
            "contractual.repair_included.hardware": ["base"],
        }
    )
    value_added = _english(terms=terms, tier="value_added")
    assert any("free within 20 km of our depot" in sentence for sentence in value_added)
    contractual = _english(terms=terms, tier="contractual")
    assert (
        "In the base zone, a technician will be on site within 6 hours of your call for "
        "service." in contractual
    )
    assert (
        "Outside the base zone, the on-site response time is as agreed in this contract."
        in contractual
    )
    assert (
        "Outside the base zone, on-site hardware repair is charged at 100–200 CNY per visit for "
        "every 1–2 units." in contractual
    )


@pytest.mark.parametrize("tier", TIERS)
def test_terms_in_chinese_use_full_width_punctuation(tier):
    with translation.override("zh-hans"):
        words = service_terms_in_words(terms=PUBLISHED_TERMS, tier=tier)
    assert words[-1] == "如果本协议对服务内容另有约定，以协议为准。"
    for sentence in words:
        assert sentence.endswith("。"), sentence
        assert not re.search(r"[,;()]|\. |[^\d]:|:[^\d]", sentence), sentence
        assert not re.search(r"[A-Za-z]{4,}", sentence.replace("Windows", "").replace("Office", ""))


def test_rapid_terms_in_chinese():
    with translation.override("zh-hans"):
        words = service_terms_in_words(terms=PUBLISHED_TERMS, tier="rapid")
    assert (
        "基本区域内，租期不足7天的，技术人员在叫修后4小时内到达现场；租期7天或以上的，在12小时内"
        "到达，但12:00或之后叫修的，在次日12:00前到达。" in words
    )
    assert "基本区域内，送货和取货免费。" in words


def test_unknown_tier_is_refused():
    with pytest.raises(KeyError):
        service_terms_in_words(terms=PUBLISHED_TERMS, tier="gold")


# --- the PDF -------------------------------------------------------------------------------------


def _signature_png() -> str:
    """A drawn signature as a phone canvas gives it: transparent PNG, dark strokes, base64."""
    image = Image.new("RGBA", (600, 220), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    points = [(40, 150), (90, 60), (130, 160), (170, 70), (230, 150), (280, 90), (330, 140)]
    draw.line(points, fill=(20, 20, 60, 255), width=7, joint="curve")
    draw.line([(360, 80), (420, 160), (470, 70), (540, 130)], fill=(20, 20, 60, 255), width=7)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode()


def _units(count: int) -> list[dict]:
    models = ["Lenovo ThinkPad T14", "Dell OptiPlex 7010 台式机", "HP LaserJet Pro M404dn"]
    return [
        {
            "model": models[index % len(models)],
            "serial": f"PF3K{index:04d}X",
            "asset_tag": f"XSS-001-{index + 1:03d}",
            "rent": "120.00",
            "breakdown": ["2 天 × ¥60.00"],
            "accessories": ["电源适配器", "电脑包"] if index % 3 != 2 else [],
        }
        for index in range(count)
    ]


def _document(language: str = "zh-hans", *, units: int = 3, signed: bool = False, **changes):
    with translation.override(language):
        terms = service_terms_in_words(terms=PUBLISHED_TERMS, tier="rapid")
    zh = language == "zh-hans"
    document = {
        "number": "C2611220001",
        "language": language,
        "lessor": {
            "name": "厦门新思索计算机租赁有限公司",
            "address": "厦门市思明区湖滨南路 88 号",
            "phone": "0592-5551234",
        },
        "customer": {
            "kind": "company",
            "name": "厦门鹭岛会展服务有限公司",
            "id_label": "统一社会信用代码" if zh else "Unified social credit code",
            "id_number": "91350200MA2XXXXX1K",
            "representative": "林志强",
            "phone": "13906001234",
            "address": "厦门市湖里区会展南路 198 号国际会展中心 B 馆",
        },
        "period": {"starts_at": "2026-11-26 09:00", "ends_at": "2026-11-28 09:00", "days": 2},
        "fulfilment": "送货上门：厦门市湖里区会展南路 198 号" if zh else "Delivery to the site",
        "tier_label": "快速保障服务" if zh else "Rapid service",
        "units": _units(units),
        "delivery_fee": "0.00",
        "pickup_fee": "0.00",
        "rent_total": f"{120 * units}.00",
        "total": f"{120 * units}.00",
        "deposit": {
            "waived": True,
            "amount": "0.00",
            "reasons": ["营业执照影印件已核验", "负责人身份证影印件已核验"],
        },
        "service_terms": terms,
        "special_terms": ["基本区域内技术人员 2 小时内到达现场。"],
        "signature": None,
    }
    if signed:
        document["signature"] = {
            "signed_at": "2026-11-26 09:30",
            "place": "on delivery",
            "signed_by_staff": "陈丽华",
            "customer_signature_png": _signature_png(),
        }
    document.update(changes)
    return document


def _pdf_text(pdf: bytes) -> tuple[PdfReader, list[str]]:
    reader = PdfReader(io.BytesIO(pdf))
    return reader, [page.extract_text() or "" for page in reader.pages]


def _flat(text: str) -> str:
    """Text without whitespace, so a sentence matches however the lines were wrapped."""
    return re.sub(r"\s+", "", text)


def _images(reader: PdfReader) -> set[bytes]:
    """The distinct images of the file (WeasyPrint lists its images in every page's resources)."""
    return {image.data for page in reader.pages for image in page.images}


def _fonts(reader: PdfReader) -> dict[str, dict]:
    """Every font the pages use, by name, with the font dictionary that holds its descriptor."""
    found = {}
    for page in reader.pages:
        resources = page["/Resources"].get_object()
        for font in resources.get("/Font", {}).get_object().values():
            font = font.get_object()
            for described in [font, *[d.get_object() for d in font.get("/DescendantFonts", [])]]:
                if "/FontDescriptor" in described or "/DescendantFonts" not in font:
                    found[str(font["/BaseFont"])] = described
    return found


def test_chinese_pdf_has_the_contract_content():
    document = _document()
    pdf = render_contract_pdf(document)
    assert pdf.startswith(b"%PDF-")
    assert pdf.rstrip().endswith(b"%%EOF")
    reader, pages = _pdf_text(pdf)
    text = _flat("\n".join(pages))

    for expected in [
        "租赁协议书",
        "协议编号：C2611220001",
        "出租方",
        "承租方",
        "名称厦门新思索计算机租赁有限公司",
        "名称厦门鹭岛会展服务有限公司",
        "统一社会信用代码91350200MA2XXXXX1K",
        "负责人林志强",
        "电话13906001234",
        "一、租赁事项",
        "租赁期限2026-11-2609:00至2026-11-2809:00（共2天）",
        "交付方式送货上门：厦门市湖里区会展南路198号",
        "服务类别快速保障服务",
        "二、租赁设备",
        "三、押金",
        "押金：免收押金。",
        "免押依据：",
        "营业执照影印件已核验",
        "负责人身份证影印件已核验",
        "租金合计¥360.00",
        "送货费¥0.00",
        "应付总额¥360.00",
        "2天×¥60.00",
        "电源适配器、电脑包",
        "四、服务条款（快速保障服务）",
        "五、特别约定",
        "基本区域内技术人员2小时内到达现场。",
        "六、一般条款",
        "承租方已于签订本协议前现场查看上列设备，本着自愿原则租用。",
        "出租方在归还时逐台检查",
        "七、签署",
        "出租方（盖章）",
        "承租方（签字或盖章）",
        "日期：______年____月____日",
    ]:
        assert _flat(expected) in text, expected
    for index, unit in enumerate(document["units"], start=1):
        row = f"{index}{_flat(unit['model'])}{unit['serial']}{unit['asset_tag']}"
        assert row in text, row
    for sentence in document["service_terms"]:
        assert _flat(sentence) in text, sentence
    # Nothing left in English in a Chinese contract.
    for english in ("Rental Agreement", "Lessor", "Deposit", "Page "):
        assert english not in "\n".join(pages)
    assert len(reader.pages) == 2


def test_every_font_is_embedded_and_is_noto_serif_cjk():
    for language in LANGUAGES:
        reader, _ = _pdf_text(render_contract_pdf(_document(language, signed=True)))
        fonts = _fonts(reader)
        # Subset names: six capitals, "+", the PostScript name of the face.
        faces = sorted(re.sub(r"^/[A-Z]{6}\+", "", name) for name in fonts)
        assert faces == ["Noto-Serif-CJK-SC", "Noto-Serif-CJK-SC-Bold"], language
        for name, font in fonts.items():
            descriptor = font["/FontDescriptor"].get_object()
            files = ("/FontFile", "/FontFile2", "/FontFile3")
            embedded = [key for key in files if key in descriptor]
            assert embedded, f"{name} is not embedded"
            program = descriptor[embedded[0]].get_object()
            assert len(program.get_data()) > 1000, f"{name} has an empty font program"


def test_the_embedded_fonts_hold_only_the_glyphs_drawn():
    """The fonts are cut down to the glyphs drawn, not WeasyPrint's 65,000 glyph slots."""
    from fontTools.cffLib import CFFFontSet

    reader, _ = _pdf_text(render_contract_pdf(_document(signed=True)))
    for name, font in _fonts(reader).items():
        program = font["/FontDescriptor"].get_object()["/FontFile3"].get_object()
        assert program["/Subtype"] == "/CIDFontType0C"
        cff = CFFFontSet()
        cff.decompile(io.BytesIO(program.get_data()), otFont=None)
        kept = {int(glyph[3:]) for glyph in cff[cff.fontNames[0]].charset if glyph != ".notdef"}
        widths = font["/W"]  # [first_cid [w1 w2 ...] ...]: one width per glyph drawn
        drawn = {
            int(first) + offset
            for first, run in zip(widths[::2], widths[1::2], strict=True)
            for offset in range(len(run))
        }
        assert drawn <= kept, f"{name} lacks glyphs {sorted(drawn - kept)[:10]}"
        # HarfBuzz may keep a few glyphs the drawn ones refer to; not WeasyPrint's 65,000 slots.
        assert len(kept - drawn) < 10, (name, sorted(kept - drawn))


def _truetype_font() -> bytes:
    """A small TrueType (glyf) font of three square glyphs."""
    from fontTools.fontBuilder import FontBuilder
    from fontTools.pens.ttGlyphPen import TTGlyphPen

    def square():
        pen = TTGlyphPen(None)
        pen.moveTo((100, 0))
        pen.lineTo((100, 500))
        pen.lineTo((500, 500))
        pen.lineTo((500, 0))
        pen.closePath()
        return pen.glyph()

    names = [".notdef", "A", "B"]
    builder = FontBuilder(1000, isTTF=True)
    builder.setupGlyphOrder(names)
    builder.setupCharacterMap({0x41: "A", 0x42: "B"})
    builder.setupGlyf({name: square() for name in names})
    builder.setupHorizontalMetrics({name: (600, 100) for name in names})
    builder.setupHorizontalHeader(ascent=800, descent=-200)
    builder.setupNameTable({"familyName": "Square", "styleName": "Regular"})
    builder.setupOS2()
    builder.setupPost()
    out = io.BytesIO()
    builder.save(out)
    return out.getvalue()


def test_a_font_that_cannot_be_compacted_is_left_as_it_was():
    from contracts.pdf_fonts import _bare_cff

    assert _bare_cff(_truetype_font(), {1, 2}) is None  # no CFF: glyph ids stay
    noto = Path("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc").read_bytes()
    assert _bare_cff(noto, {70_000}) is None  # a CID the font does not have
    assert len(_bare_cff(noto, {1, 14, 15})) < 5_000  # three glyphs and .notdef


def test_a_three_unit_contract_stays_small():
    pdf = render_contract_pdf(_document(units=3, signed=True))
    assert len(pdf) < 400 * 1024, f"{len(pdf) / 1024:.0f} KB"


def test_page_numbers_match_the_page_count():
    for units in (1, 40):
        reader, pages = _pdf_text(render_contract_pdf(_document(units=units)))
        total = len(reader.pages)
        for number, text in enumerate(pages, start=1):
            assert _flat(f"第 {number} 页 / 共 {total} 页") in _flat(text)
            assert "租赁协议书C2611220001" in _flat(text)
    assert total >= 3  # forty units run the equipment table over a page
    # The table's header repeats on the next page.
    assert sum("序列号" in text for text in pages) >= 2


def test_deposit_when_not_waived():
    document = _document(
        deposit={"waived": False, "amount": "1500.00", "reasons": ["每台押金 ¥500.00 × 3 台"]}
    )
    _, pages = _pdf_text(render_contract_pdf(document))
    text = _flat("\n".join(pages))
    assert "押金：¥1500.00。" in text
    assert "押金说明：" in text
    assert _flat("每台押金 ¥500.00 × 3 台") in text
    assert "设备归还后退还押金" in text
    assert "免收押金" not in text


def test_english_pdf_has_english_labels_and_keeps_chinese_names():
    document = _document("en")
    reader, pages = _pdf_text(render_contract_pdf(document))
    text = _flat("\n".join(pages))
    for expected in [
        "Rental Agreement",
        "Agreement No. C2611220001",
        "Lessor",
        "Lessee",
        "Unified social credit code 91350200MA2XXXXX1K",
        "Responsible person 林志强",
        "1. The rental",
        "Rental period 2026-11-26 09:00 to 2026-11-28 09:00 (2 days in all)",
        "4. Service terms (Rapid service)",
        "Deposit: waived (no deposit is payable).",
        "Grounds for the waiver:",
        "Serial number",
        "Total payable ¥360.00",
        "The lessee inspected the equipment listed above before signing this agreement and "
        "rents it voluntarily.",
        "7. Signatures",
        "Lessee (signature or seal)",
        f"Page 1 of {len(reader.pages)}",
        # Chinese data in an English contract is still drawn, in the same font family.
        "厦门新思索计算机租赁有限公司",
        "厦门鹭岛会展服务有限公司",
    ]:
        assert _flat(expected) in text, expected
    for sentence in document["service_terms"]:
        assert _flat(sentence) in text, sentence
    assert "租赁协议书" not in text
    assert "第1页" not in text


def test_unsigned_contract_has_blank_signature_lines():
    reader, pages = _pdf_text(render_contract_pdf(_document()))
    text = _flat("\n".join(pages))
    assert "经办人：________________" in text
    assert "签字：________________" in text
    assert "本协议于" not in text
    assert _images(reader) == set()


def test_signed_contract_shows_the_signature_block():
    reader, pages = _pdf_text(render_contract_pdf(_document(signed=True)))
    text = _flat("\n".join(pages))
    assert "经办人：陈丽华" in text
    assert "日期：2026-11-2609:30" in text
    assert "签字：________________" not in text
    assert _flat("本协议于2026-11-26 09:30在送货时于承租方现场签订，经办人：陈丽华。") in text
    images = [image for page in reader.pages for image in page.images]
    assert len(_images(reader)) == 1
    drawn = images[0].image
    assert drawn.width > drawn.height  # cropped to the strokes, not a blank square
    assert drawn.convert("L").getextrema()[0] < 100  # the strokes are there, dark on white


def test_signed_at_the_office_in_english_without_a_drawing():
    document = _document("en", signed=True)
    document["signature"] |= {"place": "at the office", "customer_signature_png": ""}
    reader, pages = _pdf_text(render_contract_pdf(document))
    text = _flat("\n".join(pages))
    assert _flat("Signed on 2026-11-26 09:30, at the lessor's office, in the presence of") in text
    assert _flat("Signed for the lessor by: 陈丽华") in text
    assert _images(reader) == set()


def test_a_data_url_signature_is_accepted():
    document = _document(signed=True)
    png = document["signature"]["customer_signature_png"]
    document["signature"]["customer_signature_png"] = f"data:image/png;base64,{png}"
    reader, _ = _pdf_text(render_contract_pdf(document))
    assert len(_images(reader)) == 1


@pytest.mark.parametrize(
    "bad",
    [
        "not base64 at all!",
        base64.b64encode(b"GIF89a not a png").decode(),
        base64.b64encode(b"\x89PNG\r\n\x1a\n truncated").decode(),
    ],
)
def test_an_unreadable_signature_is_refused(bad):
    document = _document(signed=True)
    document["signature"]["customer_signature_png"] = bad
    with pytest.raises(ContractPdfError) as error:
        render_contract_pdf(document)
    assert error.value.code == "bad_signature"


def test_unknown_language_is_refused():
    with pytest.raises(ContractPdfError) as error:
        render_contract_pdf(_document(language="fr"))
    assert error.value.code == "unknown_language"


def test_text_is_escaped_not_read_as_markup():
    document = _document("en")
    document["customer"] |= {"name": "A&B <Trading> Co.", "kind": "individual"}
    document["customer"]["representative"] = ""
    document["special_terms"] = ['<img src="file:///etc/hostname"> & <b>bold</b>']
    reader, pages = _pdf_text(render_contract_pdf(document))
    text = "\n".join(pages)
    assert "Full name A&B <Trading> Co." in text
    assert '<img src="file:///etc/hostname"> & <b>bold</b>' in text
    assert "Responsible person" not in text
    assert _images(reader) == set()


def test_printing_leaves_pillow_refusing_truncated_images():
    """WeasyPrint's import switches Pillow to accept truncated images, process-wide; the upload
    check of identity documents (in the same web worker) needs it off."""
    from PIL import ImageFile

    render_contract_pdf(_document(signed=True))
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False


def test_the_same_snapshot_gives_the_same_bytes():
    document = _document(signed=True)
    assert render_contract_pdf(document) == render_contract_pdf(document)


# --- what the page looks like -----------------------------------------------------------------


def _page_one(pdf: bytes, name: str) -> Image.Image:
    """Page 1 rasterised by poppler's pdftoppm at 100 dpi, kept under var/screenshots."""
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        pytest.fail(
            "pdftoppm is not installed: this test renders the contract with it. Install Debian's "
            "poppler-utils (apt-get install poppler-utils); `make test` does."
        )
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    prefix = SCREENSHOTS / name
    subprocess.run(
        [pdftoppm, "-png", "-r", "100", "-f", "1", "-l", "1", "-singlefile", "-", str(prefix)],
        input=pdf,
        check=True,
        capture_output=True,
        timeout=60,
    )
    with Image.open(prefix.with_suffix(".png")) as image:
        return image.convert("L")


def _ink(image: Image.Image) -> Image.Image:
    return image.point(lambda value: 255 if value < 160 else 0)


def test_page_one_draws_the_chinese_name_in_its_box():
    """The lessee's name, printed three ways: as given, as another name of as many Chinese
    characters, and blank. Real glyphs differ between the two names (missing glyphs would be
    identical boxes or nothing), and all of it lies in the lessee's box, top right."""
    renders = {
        label: _page_one(render_contract_pdf(_document(customer=customer)), f"contract-{label}")
        for label, customer in [
            ("name", _document()["customer"]),
            ("other-name", _document()["customer"] | {"name": "福建海峡展览策划有限公司"}),
            ("no-name", _document()["customer"] | {"name": ""}),
        ]
    }
    width, height = renders["name"].size
    assert height > width  # A4 portrait
    assert round(height / width, 2) == 1.41

    name_ink = ImageChops.difference(_ink(renders["name"]), _ink(renders["no-name"]))
    box = name_ink.getbbox()
    assert box is not None, "the lessee's name drew nothing"
    left, top, right, bottom = box
    assert left > width * 0.5 and right < width * 0.95, box  # the right-hand (lessee) column
    assert top > height * 0.15 and bottom < height * 0.25, box  # the parties' box, one line
    assert sum(name_ink.histogram()[255:]) > 200  # twelve characters (~440 ink pixels)

    changed = ImageChops.difference(_ink(renders["name"]), _ink(renders["other-name"]))
    assert changed.getbbox() is not None and changed.getbbox()[1] >= top - 2
    assert sum(changed.histogram()[255:]) > 200, "two different names look alike: no glyphs?"


def test_page_one_title_is_drawn_in_chinese():
    image = _page_one(render_contract_pdf(_document(signed=True)), "contract-page1")
    width, height = image.size
    dark = sum(image.histogram()[:128]) / (width * height)
    assert dark > 0.01, f"page 1 is nearly blank ({dark:.2%} dark pixels)"
    # The title 租赁协议书 sits centred below the lessor's name.
    title = _ink(image.crop((width // 4, int(height * 0.06), width * 3 // 4, int(height * 0.12))))
    assert sum(title.histogram()[255:]) > 1500


@pytest.mark.django_db
def test_a_one_hour_rental_reads_one_hour_in_the_pdf_and_a_long_one_its_counted_days():
    from contracts.snapshot import contract_document
    from tests.factories import ContractFactory

    contract = ContractFactory()
    contract.ends_at = contract.starts_at + timedelta(hours=1)
    one_hour = contract_document(contract=contract, terms=PUBLISHED_TERMS, language="zh-hans")
    contract.ends_at = contract.starts_at + timedelta(days=6, hours=1)
    week = contract_document(contract=contract, terms=PUBLISHED_TERMS, language="en")

    short_text = _flat("\n".join(_pdf_text(render_contract_pdf(one_hour))[1]))
    long_text = " ".join(_pdf_text(render_contract_pdf(week))[1])
    assert "（共1小时）" in short_text and "共1天" not in short_text
    assert "6 days 1 hour · counted as 7 days" in " ".join(long_text.split())


def test_the_general_terms_state_the_late_rule_with_surcharge_and_grace():
    document = _document(late_return={"surcharge_pct": "20", "grace_minutes": 15})

    text = _flat("\n".join(_pdf_text(render_contract_pdf(document))[1]))

    assert _flat("超过15分钟归还的，视为逾期") in text
    assert _flat("加收20%的逾期附加费") in text
