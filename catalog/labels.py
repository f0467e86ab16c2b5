"""QR code labels for assets: a printable page of labels, each with the tag, serial and model.

The QR code holds the asset tag alone: it is what the warehouse scans at dispatch and return, it
never changes, and a short code stays readable when printed small. Codes are inline SVG, so the
page needs no image files and prints sharply at any size.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import qrcode
import qrcode.constants
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from .models import Asset


@dataclass(frozen=True)
class Label:
    asset_tag: str
    serial_number: str
    model: str
    qr_svg: SafeString


def qr_svg(data: str, *, title: str = "") -> SafeString:
    """An SVG QR code for `data`, sized by its container (viewBox only, no width or height)."""
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2)
    qr.add_data(data)
    qr.make(fit=True)
    matrix = qr.get_matrix()
    size = len(matrix)
    path = []
    # One rectangle per horizontal run of dark modules keeps the markup small.
    for y, row in enumerate(matrix):
        x = 0
        while x < size:
            if row[x]:
                start = x
                while x < size and row[x]:
                    x += 1
                path.append(f"M{start},{y}h{x - start}v1h-{x - start}z")
            else:
                x += 1
    label = escape(title or data)
    return mark_safe(  # noqa: S308 - every interpolated value is a number or escaped above
        f'<svg class="qr" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" '
        f'shape-rendering="crispEdges" role="img" aria-label="{label}">'
        f"<title>{label}</title>"
        f'<rect width="{size}" height="{size}" fill="#fff"/>'
        f'<path fill="#000" d="{"".join(path)}"/></svg>'
    )


def labels_for(assets: Iterable[Asset]) -> list[Label]:
    """Labels in asset-tag order; pass assets with `model__brand` selected to avoid queries."""
    return [
        Label(
            asset_tag=asset.asset_tag,
            serial_number=asset.serial_number,
            model=str(asset.model),
            qr_svg=qr_svg(asset.asset_tag),
        )
        for asset in sorted(assets, key=lambda a: a.asset_tag)
    ]


def render_labels(request: HttpRequest, assets: Iterable[Asset]) -> HttpResponse:
    """The printable page (A4, 3 × 8 labels of 70 × 37 mm, the common sticker sheet)."""
    return render(request, "catalog/labels.html", {"labels": labels_for(assets)})
