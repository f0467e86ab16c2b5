"""Benchmark of the printed contract: rendering a 3-unit contract's PDF (租赁协议书).

Builds a database of its own, `rental_bench_pdf`, on the configured PostgreSQL server (dropped at
the end unless --keep), with one company customer and a signed-looking 3-unit contract (three
models, accessories, delivery and pickup fees, a drawn signature), takes its snapshot with
`contracts.snapshot.contract_document` once per language, then times `render_contract_pdf` of that
snapshot --runs times in Chinese and in English and prints the first (cold) render, the median and
p95 of the rest (wall clock, and the median CPU time, which a busy machine inflates less), the file
size and the pages. For comparison it also times the same render with
the font compaction switched off (the fonts as WeasyPrint subsets them).

    python bench/pdf.py [--runs 10] [--keep]
"""

from __future__ import annotations

import argparse
import base64
import io
import os
import statistics
import sys
import time
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rental.settings.test")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from PIL import Image, ImageDraw  # noqa: E402
from pypdf import PdfReader  # noqa: E402

from bench._db import drop_database, recreate_database, use_database  # noqa: E402
from bench._server import percentile  # noqa: E402

BENCH_DB = "rental_bench_pdf"
SIZE_LIMIT_KB = 400


def _signature() -> str:
    """A drawn signature as the phone's canvas sends it: a transparent PNG, base64."""
    image = Image.new("RGBA", (600, 220), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    points = [(40, 150), (90, 60), (130, 160), (170, 70), (230, 150), (280, 90), (330, 140)]
    draw.line(points, fill=(20, 20, 60, 255), width=7, joint="curve")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode()


def build_contract():
    from django.utils import timezone

    from tests.factories import (
        AddressFactory,
        AssetFactory,
        CompanyFactory,
        ContractFactory,
        EquipmentModelFactory,
    )

    customer = CompanyFactory(name="厦门鹭岛国际会展服务有限公司")
    address = AddressFactory(
        customer=customer, district="huli", line="湖里区会展南路 198 号国际会展中心 B 馆"
    )
    models = [
        EquipmentModelFactory(
            name=name,
            accessories=[{"zh": zh, "en": en} for zh, en in accessories],
        )
        for name, accessories in [
            ("ThinkPad T14 Gen 4", [("电源适配器", "Power adapter"), ("电脑包", "Laptop bag")]),
            ("OptiPlex 7010 台式机", [("键盘", "Keyboard"), ("鼠标", "Mouse")]),
            ("LaserJet Pro M404dn", [("电源线", "Power cord"), ("USB 数据线", "USB cable")]),
        ]
    ]
    start = timezone.now().replace(minute=0, second=0, microsecond=0) + timedelta(days=1)
    contract = ContractFactory(
        customer=customer,
        address=address,
        status="draft",
        starts_at=start,
        ends_at=start + timedelta(days=3),
        units=[AssetFactory(model=model) for model in models],
        deposit_amount=Decimal("9000.00"),
        quote={
            "lines": [
                {"model_id": model.pk, "breakdown": ["3 天 × ¥30.00"], "rent": "90.00"}
                for model in models
            ],
            "delivery_fee": "14.00",
            "pickup_fee": "14.00",
        },
    )
    return contract


def documents(contract) -> dict[str, dict]:
    from contracts.snapshot import contract_document

    signature = {
        "signed_at": "2026-12-01 09:30",
        "place": "on delivery",
        "signed_by_staff": "陈丽华",
        "customer_signature_png": _signature(),
    }
    return {
        language: contract_document(
            contract=contract,
            terms=contract.service_terms(),
            language=language,
            signature=signature,
        )
        for language in ("zh-hans", "en")
    }


def time_renders(document: dict, runs: int) -> tuple[float, list[float], list[float], bytes]:
    """The first render's wall time, then the wall and CPU times of `runs` more, and the PDF."""
    import contracts.pdf

    walls, cpus = [], []
    pdf = b""
    for _ in range(runs + 1):
        began, began_cpu = time.perf_counter(), time.process_time()
        pdf = contracts.pdf.render_contract_pdf(document)
        walls.append((time.perf_counter() - began) * 1000)
        cpus.append((time.process_time() - began_cpu) * 1000)
    return walls[0], walls[1:], cpus[1:], pdf


def report(label: str, first: float, walls: list[float], cpus: list[float], pdf: bytes) -> None:
    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    kb = len(pdf) / 1024
    print(
        f"  {label:<30} first {first:6.0f} ms   median {statistics.median(walls):5.0f} ms"
        f"   p95 {percentile(walls, 0.95):5.0f} ms   CPU median {statistics.median(cpus):5.0f} ms"
        f"   {kb:5.1f} KB ({'under' if kb < SIZE_LIMIT_KB else 'OVER'} {SIZE_LIMIT_KB} KB),"
        f" {pages} pages"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10, help="timed runs of each (default 10)")
    parser.add_argument("--keep", action="store_true", help=f"keep the {BENCH_DB} database")
    args = parser.parse_args()

    print(f"bench/pdf.py: building database {BENCH_DB} …", flush=True)
    recreate_database(BENCH_DB)
    use_database(BENCH_DB)
    try:
        call_command("migrate", verbosity=0)
        docs = documents(build_contract())
        print(
            f"\nRendering a 3-unit contract's PDF, {args.runs} timed runs after the first,"
            f" {datetime.now():%Y-%m-%d}, load average {os.getloadavg()[0]:.1f}"
            f" on {os.cpu_count()} CPUs:"
        )
        for language, document in docs.items():
            report(f"{language}, as stored", *time_renders(document, args.runs))

        # The same renders with the fonts left as WeasyPrint subsets them (every glyph slot up
        # to the highest one used), to show what the compaction costs and saves.
        import contracts.pdf

        compact = contracts.pdf.compact_cjk_fonts
        contracts.pdf.compact_cjk_fonts = lambda document, pdf: None
        try:
            for language, document in docs.items():
                report(f"{language}, fonts not compacted", *time_renders(document, args.runs))
        finally:
            contracts.pdf.compact_cjk_fonts = compact
    finally:
        if not args.keep:
            drop_database(BENCH_DB)
    return 0


if __name__ == "__main__":
    sys.exit(main())
