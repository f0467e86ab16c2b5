"""The printable contract (租赁协议书) as a PDF: an HTML template rendered by WeasyPrint.

The caller builds a plain dict once (at signing it is stored beside the PDF bytes), so a signed
contract prints the same however prices, terms or the customer change later. Every value in the
dict is already formatted text; money is a "1234.00" string shown as "¥1234.00". Schema:

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

The layout is `templates/contracts/pdf/contract.html` with its stylesheet `contract.css`; labels
are translated there under `translation.override(document["language"])`. The text is set in one
font family, Noto Serif CJK SC (Debian's fonts-noto-cjk, found through fontconfig), in regular
and bold: it has the Chinese and the Latin glyphs, and WeasyPrint embeds a subset of it (made
smaller still by `pdf_fonts`), so the file looks the same in every viewer, a phone without
Chinese fonts included.

Rendering is pure: no database, and no URL is fetched except the `data:` URL of the signature.
A service must not call it while it holds a row lock (it takes a few hundred milliseconds).
"""

from __future__ import annotations

import base64
import binascii
import io
import re
from collections.abc import Mapping
from functools import cache
from typing import Any

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext, ngettext, pgettext
from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

from rental.core.errors import ApplicationError

from .pdf_fonts import compact_cjk_fonts
from .signature import MAX_SIGNATURE_BYTES

__all__ = ["FONT_FAMILY", "LANGUAGES", "ContractPdfError", "render_contract_pdf"]

LANGUAGES: tuple[str, ...] = ("zh-hans", "en")
FONT_FAMILY = "Noto Serif CJK SC"
TEMPLATE = "contracts/pdf/contract.html"

# A drawn signature: the decoded PNG and its pixels are bounded before anything is decoded.
MAX_SIGNATURE_PIXELS = 4000 * 4000


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
    with translation.override(language):
        html = render_to_string(TEMPLATE, _context(document))
    HTML, URLFetcher = _weasyprint()
    # Only the `data:` URL of the signature is ever loaded: whatever text a snapshot carries, a
    # contract reaches neither the network nor the file system.
    fetcher = URLFetcher(allowed_protocols={"data"})
    return HTML(string=html, url_fetcher=fetcher).write_pdf(finisher=compact_cjk_fonts)


@cache
def _weasyprint() -> tuple[Any, Any]:
    """WeasyPrint's HTML and URLFetcher, imported on first use: it loads Pango through cffi,
    which only the PDF needs."""
    truncated = ImageFile.LOAD_TRUNCATED_IMAGES
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    # Importing WeasyPrint turns on Pillow's process-wide LOAD_TRUNCATED_IMAGES. The upload check
    # of identity documents relies on it being off (a truncated JPEG is refused), in the same web
    # worker that prints contracts; our one image, the re-encoded signature, is never truncated.
    ImageFile.LOAD_TRUNCATED_IMAGES = truncated
    return HTML, URLFetcher


def _context(doc: Mapping[str, Any]) -> dict[str, Any]:
    """What the template needs beyond the snapshot: the phrases with numbers in them (their
    msgids use %d, which the template language cannot format) and the prepared signature."""
    period = doc["period"]
    days = int(period["days"])
    signature = doc.get("signature") or None
    drawn = None
    if signature:
        drawn = _signature_data_url(signature.get("customer_signature_png") or "")
    return {
        "doc": doc,
        "lang": "zh-Hans" if doc["language"] == "zh-hans" else "en",
        "font_family": FONT_FAMILY,
        "title": gettext("Rental Agreement"),
        "period_text": pgettext("contract", "%(start)s to %(end)s (%(days)s in all)")
        % {
            "start": period["starts_at"],
            "end": period["ends_at"],
            # Documents from before periods were put in words still say their days.
            "days": period.get("words")
            or ngettext("%(count)d day", "%(count)d days", days) % {"count": days},
        },
        "late_clause": _late_clause(doc.get("late_return")),
        "company": doc["customer"].get("kind") == "company",
        "signature": signature,
        "signature_image": drawn,
        "signed_place": _place(signature.get("place", "")) if signature else "",
        "page_counter_css": _page_counter_css(pgettext("contract", "Page %(page)d of %(pages)d")),
    }


def _late_clause(rule: Mapping[str, Any] | None) -> str:
    """The late-return rule with the surcharge and grace the contract was signed under."""
    if not rule:
        return pgettext(
            "contract",
            "Time beyond the agreed end of the rental period is charged as further rent under "
            "the lessor's rate card; an early return does not reduce the agreed rent.",
        )
    return pgettext(
        "contract",
        "A unit returned more than %(grace)s minutes after the agreed end is late: the whole "
        "time beyond the end is charged as further rent under the lessor's rate card plus a "
        "late-return surcharge of %(pct)s %%. An early return does not reduce the agreed "
        "rent.",
    ) % {"grace": rule["grace_minutes"], "pct": rule["surcharge_pct"]}


def _page_counter_css(phrase: str) -> str:
    """The translated "Page N of M" as a CSS `content` value, the numbers as page counters."""
    counters = {"%(page)d": "counter(page)", "%(pages)d": "counter(pages)"}
    pieces = re.split(r"(%\(pages?\)d)", phrase)
    return " ".join(counters.get(piece) or _css_string(piece) for piece in pieces if piece)


def _css_string(text: str) -> str:
    """A CSS string literal: every character outside plain letters escaped as a code point."""
    escaped = "".join(
        char if char.isalnum() or char == " " else f"\\{ord(char):06x}" for char in text
    )
    return f'"{escaped}"'


def _place(place: str) -> str:
    known = {
        "at the office": pgettext("contract", "at the lessor's office"),
        "office": pgettext("contract", "at the lessor's office"),
        "on delivery": pgettext("contract", "on delivery at the lessee's site"),
        "delivery": pgettext("contract", "on delivery at the lessee's site"),
    }
    return known.get(str(place).strip().lower(), str(place))


# --- the drawn signature ------------------------------------------------------------------------


def _signature_data_url(data: str) -> str | None:
    """The customer's drawn signature as a PNG `data:` URL, flattened on white and cropped to
    the ink; None when nothing was drawn."""
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
        with Image.open(io.BytesIO(raw), formats=["PNG"]) as img:
            if img.width * img.height > MAX_SIGNATURE_PIXELS:
                raise unreadable
            img.load()
            rgba = img.convert("RGBA")
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise unreadable from exc

    paper = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    flat = Image.alpha_composite(paper, rgba).convert("RGB")
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
    flat.save(out, format="PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()
