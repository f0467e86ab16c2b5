"""The printable contract (租赁协议书) as a PDF, drawn from a plain dict snapshot.

The caller builds the dict once (at signing it is stored beside the PDF bytes), so a signed
contract prints the same however prices, terms or the customer change later. Every value in the
dict is already formatted text; money is a "1234.00" string shown here as "¥1234.00". Schema:

    {"number", "language": "zh-hans" | "en",
     "lessor": {"name", "address", "phone"},
     "customer": {"kind": "company" | "individual", "name", "id_label", "id_number",
                  "representative", "phone", "address"},
     "period": {"starts_at", "ends_at", "days": int},
     "fulfilment", "tier_label",
     "units": [{"model", "serial", "asset_tag", "rent", "breakdown": [str], "accessories": [str]}],
     "delivery_fee", "pickup_fee", "rent_total", "total",
     "deposit": {"waived": bool, "amount", "reasons": [str]},
     "service_terms": [str], "special_terms": [str],
     "signature": None | {"signed_at", "place", "signed_by_staff", "customer_signature_png"}}

`customer.representative` may be blank (an individual). `signature.place` "at the office" or
"on delivery" is printed in words; any other text is printed as given.
`signature.customer_signature_png` is a base64 PNG drawn on a phone (a `data:` URL prefix is
accepted) or "".

Fonts: in both languages, Latin text (digits, money, serials, English) is set in Helvetica and
every run Helvetica cannot draw (Chinese) in reportlab's built-in CID font STSong-Light. Neither
is embedded: the PDF names them and the viewer supplies the glyphs (poppler, for instance, uses
fonts-noto-cjk), so no font file is needed on the server. Labels are translated under
`translation.override(document["language"])`.
"""

from __future__ import annotations

import base64
import binascii
import io
from collections.abc import Mapping, Sequence
from typing import Any
from xml.sax.saxutils import escape

from django.utils import translation
from django.utils.translation import gettext, ngettext, pgettext
from PIL import Image as PILImage
from PIL import ImageOps, UnidentifiedImageError
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    HRFlowable,
    Image,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from rental.core.errors import ApplicationError

__all__ = ["ContractPdfError", "LANGUAGES", "render_contract_pdf"]

LANGUAGES: tuple[str, ...] = ("zh-hans", "en")
CJK_FONT = "STSong-Light"
LATIN_FONT = "Helvetica"
LATIN_BOLD = "Helvetica-Bold"

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 18 * mm
FRAME_PADDING = 6  # reportlab's default inside each page frame
CONTENT_LEFT = MARGIN + FRAME_PADDING
FRAME_WIDTH = PAGE_WIDTH - 2 * CONTENT_LEFT

# A drawn signature: the decoded PNG and its pixels are bounded before anything is decoded.
MAX_SIGNATURE_BYTES = 2 * 1024 * 1024
MAX_SIGNATURE_PIXELS = 4000 * 4000
SIGNATURE_BOX = (70 * mm, 24 * mm)

INK = colors.HexColor("#1a1a1a")
MUTED = colors.HexColor("#555555")
RULE = colors.HexColor("#9a9a9a")
SHADE = colors.HexColor("#eeeeee")


class ContractPdfError(ApplicationError):
    """The contract snapshot cannot be printed: an unknown language or an unreadable signature."""


def render_contract_pdf(document: Mapping[str, Any]) -> bytes:
    """The 租赁协议书 for this snapshot as PDF bytes (A4), in the snapshot's language.

    The same dict always gives the same bytes (no creation time or random id is written).
    Raises ContractPdfError for a language other than LANGUAGES or a signature image that is
    not a readable PNG within the size limits.
    """
    language = document.get("language")
    if language not in LANGUAGES:
        raise ContractPdfError(
            gettext("A contract can be printed in Chinese or English, not %(language)s.")
            % {"language": language},
            code="unknown_language",
        )
    _register_fonts()
    with translation.override(language):
        return _Renderer(document).render()


def _register_fonts() -> None:
    if CJK_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))


def _label(label: str, value: str) -> str:
    return pgettext("contract", "%(label)s: %(value)s") % {"label": label, "value": value}


def _money(amount: str) -> str:
    return f"¥{amount}"


class _Renderer:
    def __init__(self, document: Mapping[str, Any]):
        self.doc = document
        # Latin text (digits, money, serials) in Helvetica, whose metrics every viewer has; runs
        # Helvetica cannot draw in the CJK font (see `markup`), in either language.
        base, bold = LATIN_FONT, LATIN_BOLD
        self.styles = {
            "title": ParagraphStyle(
                "title", fontName=bold, fontSize=22, leading=28, alignment=TA_CENTER
            ),
            "subtitle": ParagraphStyle(
                "subtitle",
                fontName=base,
                fontSize=10,
                leading=14,
                alignment=TA_CENTER,
                textColor=MUTED,
            ),
            "h2": ParagraphStyle(
                "h2", fontName=bold, fontSize=12, leading=16, spaceBefore=10, spaceAfter=2
            ),
            "body": ParagraphStyle("body", fontName=base, fontSize=9.5, leading=14.5),
            "item": ParagraphStyle(
                "item", fontName=base, fontSize=9.5, leading=14, leftIndent=20, bulletIndent=0
            ),
            "cell": ParagraphStyle("cell", fontName=base, fontSize=8.5, leading=11.5),
            "cell_head": ParagraphStyle(
                "cell_head", fontName=bold, fontSize=8.5, leading=11.5, textColor=INK
            ),
            "cell_right": ParagraphStyle(
                "cell_right", fontName=base, fontSize=8.5, leading=11.5, alignment=TA_RIGHT
            ),
            "total": ParagraphStyle(
                "total", fontName=bold, fontSize=10.5, leading=14, alignment=TA_RIGHT
            ),
            "total_label": ParagraphStyle("total_label", fontName=bold, fontSize=10.5, leading=14),
            "party_head": ParagraphStyle("party_head", fontName=bold, fontSize=10.5, leading=15),
            "small": ParagraphStyle(
                "small", fontName=base, fontSize=8.5, leading=12, textColor=MUTED
            ),
        }
        for style in self.styles.values():
            style.bulletFontName = style.fontName

    # --- text ------------------------------------------------------------------------------

    def markup(self, text: Any) -> str:
        """Escaped paragraph markup with the runs Helvetica cannot draw set in the CJK font."""
        return "".join(
            f'<font name="{CJK_FONT}">{escape(run)}</font>' if font == CJK_FONT else escape(run)
            for font, run in _runs("" if text is None else str(text))
        )

    def para(self, text: Any, style: str = "body", *, bullet: str | None = None) -> Paragraph:
        chosen = self.styles[style]
        text = "" if text is None else str(text)
        if any(not _latin_drawable(char) for char in text):
            # Chinese breaks between any two characters (reportlab keeps Latin words whole).
            chosen = ParagraphStyle(f"{chosen.name}-cjk", parent=chosen, wordWrap="CJK")
        return Paragraph(self.markup(text), chosen, bulletText=bullet)

    # --- the document ----------------------------------------------------------------------

    def render(self) -> bytes:
        doc = self.doc
        title = gettext("Rental Agreement")
        buffer = io.BytesIO()
        template = SimpleDocTemplate(
            buffer,
            pagesize=A4,
            leftMargin=MARGIN,
            rightMargin=MARGIN,
            topMargin=16 * mm,
            bottomMargin=18 * mm,
            title=f"{title} {doc['number']}",
            author=doc["lessor"]["name"],
            subject=title,
            creator="xinsisuo-rental",
            invariant=1,
        )
        story: list[Flowable] = [
            self.para(title, "title"),
            self.para(
                pgettext("contract", "Agreement No. %(number)s") % {"number": doc["number"]},
                "subtitle",
            ),
            Spacer(1, 4 * mm),
            *self.parties(),
            *self.rental(),
            *self.equipment(),
            *self.charges(),
            *self.deposit(),
            *self.service_terms(),
            *self.special_terms(),
            *self.general_terms(),
            *self.signatures(),
        ]
        footer_left = f"{title}  {doc['number']}"
        template.build(story, canvasmaker=_numbered_canvas(footer_left))
        return buffer.getvalue()

    def heading(self, text: str) -> list[Flowable]:
        return [
            CondPageBreak(30 * mm),
            self.para(text, "h2"),
            HRFlowable(width="100%", thickness=0.6, color=RULE, spaceBefore=1, spaceAfter=4),
        ]

    def parties(self) -> list[Flowable]:
        lessor = self.doc["lessor"]
        customer = self.doc["customer"]
        left = [
            self.para(pgettext("contract", "Lessor"), "party_head"),
            self.para(_label(pgettext("contract", "Name"), lessor["name"])),
            self.para(_label(pgettext("contract", "Address"), lessor.get("address", ""))),
            self.para(_label(pgettext("contract", "Phone"), lessor.get("phone", ""))),
        ]
        company = customer.get("kind") == "company"
        right = [
            self.para(pgettext("contract", "Lessee"), "party_head"),
            self.para(
                _label(
                    pgettext("contract", "Name") if company else pgettext("contract", "Full name"),
                    customer["name"],
                )
            ),
        ]
        if customer.get("id_number"):
            right.append(self.para(_label(customer.get("id_label", ""), customer["id_number"])))
        if customer.get("representative"):
            right.append(
                self.para(
                    _label(pgettext("contract", "Responsible person"), customer["representative"])
                )
            )
        right.append(self.para(_label(pgettext("contract", "Phone"), customer.get("phone", ""))))
        if customer.get("address"):
            right.append(self.para(_label(pgettext("contract", "Address"), customer["address"])))
        table = Table(
            [[left, right]],
            colWidths=[FRAME_WIDTH / 2] * 2,
            style=TableStyle(
                [
                    ("BOX", (0, 0), (-1, -1), 0.6, RULE),
                    ("LINEAFTER", (0, 0), (0, -1), 0.6, RULE),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LEFTPADDING", (0, 0), (-1, -1), 7),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 7),
                    ("TOPPADDING", (0, 0), (-1, -1), 5),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 7),
                ]
            ),
        )
        return [table]

    def rental(self) -> list[Flowable]:
        period = self.doc["period"]
        days = int(period["days"])
        when = pgettext("contract", "%(start)s to %(end)s (%(days)s in all)") % {
            "start": period["starts_at"],
            "end": period["ends_at"],
            # Documents from before periods were put in words still say their days.
            "days": period.get("words")
            or ngettext("%(count)d day", "%(count)d days", days) % {"count": days},
        }
        return [
            *self.heading(pgettext("contract", "The rental")),
            self.para(_label(pgettext("contract", "Rental period"), when)),
            self.para(
                _label(pgettext("contract", "Delivery or collection"), self.doc["fulfilment"])
            ),
            self.para(_label(pgettext("contract", "Service tier"), self.doc["tier_label"])),
        ]

    def equipment(self) -> list[Flowable]:
        header = [
            self.para(text, "cell_head")
            for text in (
                pgettext("contract", "No."),
                pgettext("contract", "Model"),
                pgettext("contract", "Serial number"),
                pgettext("contract", "Asset tag"),
                pgettext("contract", "Accessories"),
                pgettext("contract", "Rent reckoned as"),
            )
        ]
        header.append(
            Paragraph(
                self.markup(pgettext("contract", "Rent")),
                ParagraphStyle("rent_head", parent=self.styles["cell_head"], alignment=TA_RIGHT),
            )
        )
        rows: list[list[Any]] = [header]
        for index, unit in enumerate(self.doc["units"], start=1):
            accessories = unit.get("accessories") or []
            rows.append(
                [
                    self.para(str(index), "cell"),
                    self.para(unit["model"], "cell"),
                    self.para(unit["serial"], "cell"),
                    self.para(unit.get("asset_tag", ""), "cell"),
                    self.para(
                        pgettext("list separator", ", ").join(accessories) if accessories else "—",
                        "cell",
                    ),
                    [self.para(line, "cell") for line in unit.get("breakdown") or []] or "",
                    self.para(_money(unit["rent"]), "cell_right"),
                ]
            )
        widths = [10 * mm, 36 * mm, 28 * mm, 24 * mm, 27 * mm, 25 * mm, 18 * mm]
        widths[1] += FRAME_WIDTH - sum(widths)
        table = Table(
            rows,
            colWidths=widths,
            repeatRows=1,
            style=TableStyle(
                [
                    ("BACKGROUND", (0, 0), (-1, 0), SHADE),
                    ("LINEABOVE", (0, 0), (-1, 0), 0.8, INK),
                    ("LINEBELOW", (0, 0), (-1, 0), 0.6, RULE),
                    ("LINEBELOW", (0, 1), (-1, -1), 0.3, RULE),
                    ("LINEBELOW", (0, -1), (-1, -1), 0.8, INK),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LEFTPADDING", (0, 0), (-1, -1), 3),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 3),
                    ("TOPPADDING", (0, 0), (-1, -1), 3),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
                ]
            ),
        )
        return [*self.heading(pgettext("contract", "Equipment")), table]

    def charges(self) -> list[Flowable]:
        doc = self.doc
        lines = [
            (pgettext("contract", "Rent for all units"), doc["rent_total"]),
            (pgettext("contract", "Delivery fee"), doc["delivery_fee"]),
            (pgettext("contract", "Pickup fee"), doc["pickup_fee"]),
        ]
        rows: list[list[Any]] = [
            [self.para(label, "cell"), self.para(_money(amount), "cell_right")]
            for label, amount in lines
        ]
        rows.append(
            [
                self.para(pgettext("contract", "Total payable"), "total_label"),
                self.para(_money(doc["total"]), "total"),
            ]
        )
        table = Table(
            rows,
            colWidths=[50 * mm, 30 * mm],
            hAlign="RIGHT",
            style=TableStyle(
                [
                    ("LINEABOVE", (0, -1), (-1, -1), 0.8, INK),
                    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                    ("LEFTPADDING", (0, 0), (-1, -1), 3),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 3),
                    ("TOPPADDING", (0, 0), (-1, -1), 2),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
                ]
            ),
        )
        return [Spacer(1, 3 * mm), KeepTogether([table])]

    def deposit(self) -> list[Flowable]:
        deposit = self.doc["deposit"]
        reasons = [str(reason) for reason in deposit.get("reasons") or []]
        flow = self.heading(pgettext("contract", "Deposit"))
        if deposit.get("waived"):
            flow.append(self.para(pgettext("contract", "Deposit: waived (no deposit is payable).")))
            if reasons:
                flow.append(self.para(pgettext("contract", "Grounds for the waiver:")))
        else:
            flow.append(
                self.para(
                    pgettext("contract", "Deposit: %(amount)s.")
                    % {"amount": _money(deposit["amount"])}
                )
            )
            if reasons:
                flow.append(self.para(pgettext("contract", "How the deposit was set:")))
        flow.extend(self.para(reason, "item", bullet="•") for reason in reasons)
        if not deposit.get("waived"):
            flow.append(
                self.para(
                    pgettext(
                        "contract",
                        "The deposit is refunded when the equipment is returned, less any "
                        "deduction for damage, missing accessories or unpaid fees.",
                    ),
                    "small",
                )
            )
        return flow

    def service_terms(self) -> list[Flowable]:
        heading = pgettext("contract", "Service terms (%(tier)s)") % {
            "tier": self.doc["tier_label"]
        }
        return [
            *self.heading(heading),
            *self.numbered(self.doc.get("service_terms") or []),
        ]

    def special_terms(self) -> list[Flowable]:
        terms = self.doc.get("special_terms") or []
        flow = self.heading(pgettext("contract", "Special terms"))
        if terms:
            flow.extend(self.numbered(terms))
        else:
            flow.append(self.para(pgettext("contract", "None.")))
        return flow

    def general_terms(self) -> list[Flowable]:
        clauses = [
            pgettext(
                "contract",
                "The lessee inspected the equipment listed above before signing this agreement "
                "and rents it voluntarily.",
            ),
            pgettext(
                "contract",
                "At the end of the rental period the lessee returns the equipment with all its "
                "accessories, or the lessor collects it. Each unit is checked on return; damage "
                "or missing accessories are charged at the cost of repair or replacement and "
                "deducted from the deposit, and any amount the deposit does not cover is paid "
                "by the lessee.",
            ),
            self.late_clause(),
            pgettext(
                "contract",
                "This agreement is made in two copies, one for each party, and takes effect "
                "when both parties have signed it.",
            ),
        ]
        return [*self.heading(pgettext("contract", "General terms")), *self.numbered(clauses)]

    def late_clause(self) -> str:
        """The late-return rule with the surcharge and grace the contract was signed under."""
        rule = self.doc.get("late_return")
        if not rule:
            return pgettext(
                "contract",
                "Time beyond the agreed end of the rental period is charged as further rent "
                "under the lessor's rate card; an early return does not reduce the agreed rent.",
            )
        return pgettext(
            "contract",
            "A unit returned more than %(grace)s minutes after the agreed end is late: the whole "
            "time beyond the end is charged as further rent under the lessor's rate card plus a "
            "late-return surcharge of %(pct)s %%. An early return does not reduce the agreed "
            "rent.",
        ) % {"grace": rule["grace_minutes"], "pct": rule["surcharge_pct"]}

    def numbered(self, items: Sequence[Any]) -> list[Flowable]:
        return [
            self.para(item, "item", bullet=f"{number}.")
            for number, item in enumerate(items, start=1)
        ]

    def signatures(self) -> list[Flowable]:
        doc = self.doc
        signature = doc.get("signature") or None
        blank = "________________"
        date_blank = pgettext("blank date line", "____________________")
        if signature:
            staff = signature.get("signed_by_staff") or blank
            date = signature.get("signed_at") or date_blank
            drawn = _signature_image(signature.get("customer_signature_png") or "")
        else:
            staff, date, drawn = blank, date_blank, None

        lessor = [
            self.para(pgettext("contract", "Lessor (seal)"), "party_head"),
            self.para(doc["lessor"]["name"]),
            Spacer(1, 6 * mm),
            self.para(_label(pgettext("contract", "Signed for the lessor by"), staff)),
            Spacer(1, 2 * mm),
            self.para(_label(pgettext("contract", "Date"), date)),
        ]
        customer = [
            self.para(pgettext("contract", "Lessee (signature or seal)"), "party_head"),
            self.para(doc["customer"]["name"]),
        ]
        if drawn is not None:
            customer.append(self.para(_label(pgettext("contract", "Signature"), "")))
            customer.append(drawn)
        else:
            customer.append(Spacer(1, 6 * mm))
            customer.append(self.para(_label(pgettext("contract", "Signature"), blank)))
        customer.append(Spacer(1, 2 * mm))
        customer.append(self.para(_label(pgettext("contract", "Date"), date)))

        table = Table(
            [[lessor, customer]],
            colWidths=[FRAME_WIDTH / 2] * 2,
            style=TableStyle(
                [
                    ("BOX", (0, 0), (-1, -1), 0.6, RULE),
                    ("LINEAFTER", (0, 0), (0, -1), 0.6, RULE),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LEFTPADDING", (0, 0), (-1, -1), 7),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 7),
                    ("TOPPADDING", (0, 0), (-1, -1), 5),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 8),
                ]
            ),
        )
        block: list[Flowable] = [
            *self.heading(pgettext("contract", "Signatures"))[1:],
            table,
        ]
        if signature:
            block.append(Spacer(1, 2 * mm))
            block.append(
                self.para(
                    pgettext(
                        "contract", "Signed on %(when)s, %(place)s, in the presence of %(staff)s."
                    )
                    % {
                        "when": signature.get("signed_at", ""),
                        "place": _place(signature.get("place", "")),
                        "staff": signature.get("signed_by_staff", ""),
                    },
                    "small",
                )
            )
        return [CondPageBreak(75 * mm), KeepTogether(block)]


def _place(place: str) -> str:
    known = {
        "at the office": pgettext("contract", "at the lessor's office"),
        "office": pgettext("contract", "at the lessor's office"),
        "on delivery": pgettext("contract", "on delivery at the lessee's site"),
        "delivery": pgettext("contract", "on delivery at the lessee's site"),
    }
    return known.get(str(place).strip().lower(), str(place))


def _runs(text: str) -> list[tuple[str, str]]:
    """The text cut into (font, run) pieces: Helvetica where it has the glyphs, else the CJK
    font."""
    runs: list[tuple[str, str]] = []
    for char in text:
        font = LATIN_FONT if _latin_drawable(char) else CJK_FONT
        if runs and runs[-1][0] == font:
            runs[-1] = (font, runs[-1][1] + char)
        else:
            runs.append((font, char))
    return runs


def _draw_runs(canvas: Canvas, x: float, y: float, text: str, size: float, *, right: bool) -> None:
    """Draw mixed Latin/Chinese text on the canvas, from x (or ending at x when `right`)."""
    runs = _runs(text)
    if right:
        x -= sum(pdfmetrics.stringWidth(run, font, size) for font, run in runs)
    for font, run in runs:
        canvas.setFont(font, size)
        canvas.drawString(x, y, run)
        x += pdfmetrics.stringWidth(run, font, size)


def _latin_drawable(char: str) -> bool:
    """Whether Helvetica (WinAnsi) has a glyph for the character."""
    if char in "\n\t":
        return True
    try:
        char.encode("cp1252")
    except UnicodeEncodeError:
        return False
    return True


# --- the drawn signature ------------------------------------------------------------------------


def _signature_image(data: str) -> Image | None:
    """The customer's drawn signature as a flowable, flattened on white and cropped to the ink;
    None when nothing was drawn."""
    data = data.strip()
    if data.startswith("data:"):
        data = data.partition(",")[2]
    if not data:
        return None
    unreadable = ContractPdfError(
        gettext("The drawn signature is not a readable PNG image."), code="bad_signature"
    )
    if len(data) > MAX_SIGNATURE_BYTES * 4 // 3 + 4:
        raise unreadable
    try:
        raw = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise unreadable from exc
    try:
        with PILImage.open(io.BytesIO(raw), formats=["PNG"]) as img:
            if img.width * img.height > MAX_SIGNATURE_PIXELS:
                raise unreadable
            img.load()
            rgba = img.convert("RGBA")
    except (UnidentifiedImageError, OSError, ValueError, PILImage.DecompressionBombError) as exc:
        raise unreadable from exc

    paper = PILImage.new("RGBA", rgba.size, (255, 255, 255, 255))
    flat = PILImage.alpha_composite(paper, rgba).convert("RGB")
    ink = ImageOps.invert(flat.convert("L")).point(lambda value: 255 if value > 48 else 0)
    box = ink.getbbox()
    if box is None:
        return None
    pad = 6
    left, top, right, bottom = box
    flat = flat.crop(
        (
            max(0, left - pad),
            max(0, top - pad),
            min(flat.width, right + pad),
            min(flat.height, bottom + pad),
        )
    )
    out = io.BytesIO()
    flat.save(out, format="PNG")
    out.seek(0)
    max_width, max_height = SIGNATURE_BOX
    scale = min(max_width / flat.width, max_height / flat.height)
    image = Image(out, width=flat.width * scale, height=flat.height * scale)
    image.hAlign = "LEFT"
    return image


# --- page numbers -------------------------------------------------------------------------------


def _numbered_canvas(footer_left: str) -> type[Canvas]:
    """A canvas that holds each page until the end so the footer can say "Page N of M"."""

    class NumberedCanvas(Canvas):
        def __init__(self, *args: Any, **kwargs: Any):
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                self._footer(total)
                super().showPage()
            super().save()

        def _footer(self, total: int) -> None:
            self.saveState()
            self.setStrokeColor(RULE)
            self.setLineWidth(0.5)
            self.line(CONTENT_LEFT, 13 * mm, PAGE_WIDTH - CONTENT_LEFT, 13 * mm)
            self.setFillColor(MUTED)
            _draw_runs(self, CONTENT_LEFT, 9 * mm, footer_left, 8, right=False)
            _draw_runs(
                self,
                PAGE_WIDTH - CONTENT_LEFT,
                9 * mm,
                pgettext("contract", "Page %(page)d of %(pages)d")
                % {"page": self._pageNumber, "pages": total},
                8,
                right=True,
            )
            self.restoreState()

    return NumberedCanvas
