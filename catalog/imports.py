"""Bulk import of assets from a CSV or Excel (.xlsx) file: every row is checked, then all or none.

Staff receive new units in batches; the warehouse keeps their serial numbers in a spreadsheet.
Every row is validated before anything is written, and the errors name the spreadsheet row (the
header is row 1) in the user's language, so staff can fix the file and upload it again. The
insert runs in one transaction: a file is imported whole or not at all.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import IO, Any

from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from rental.core import audit
from rental.core.errors import ApplicationError

from .models import Asset, Depot, EquipmentModel

MAX_ROWS = 5000

# Header spellings accepted for each column (compared lower-cased, spaces as underscores).
COLUMNS: dict[str, tuple[str, ...]] = {
    "model": ("model", "model_slug", "slug", "型号代码", "型号"),
    "brand": ("brand", "品牌"),
    "model_name": ("model_name", "型号名称"),
    "serial_number": ("serial_number", "serial", "sn", "序列号"),
    "asset_tag": ("asset_tag", "tag", "资产标签", "资产编号"),
    "depot": ("depot", "仓库", "库房"),
    "acquired_on": ("acquired_on", "acquired", "购入日期", "购置日期"),
    "purchase_cost": ("purchase_cost", "cost", "purchase_price", "购入价格", "购置成本", "成本"),
    "condition_notes": ("condition_notes", "notes", "condition", "状况备注", "备注"),
}
_HEADER_TO_COLUMN = {alias: column for column, aliases in COLUMNS.items() for alias in aliases}
DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y-%m-%d %H:%M:%S")


class ImportRejected(ApplicationError):
    """The file was not imported; `errors` lists each row's problems."""

    def __init__(self, message, errors: list[RowError]):
        super().__init__(message, code="import_rejected", extra={"errors": errors})
        self.errors = errors


@dataclass(frozen=True)
class RowError:
    row: int  # spreadsheet row number, the header being row 1; 0 for the file as a whole
    message: str
    # Worded when the error is found, in the language active then, like `message`.
    text: str = field(init=False)

    def __post_init__(self):
        text = self.message
        if self.row:
            text = _("Row %(row)s: %(message)s") % {"row": self.row, "message": self.message}
        object.__setattr__(self, "text", text)

    def __str__(self) -> str:
        return self.text


@dataclass
class ImportResult:
    created: list[Asset] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.created)


def assets_import(*, file: IO[bytes], filename: str, by) -> ImportResult:
    """Create one asset per row of the file, or none if any row is wrong.

    Raises ImportRejected carrying every row error found (not only the first).
    """
    rows = read_rows(file, filename)
    with transaction.atomic():
        assets, errors = validate_rows(rows)
        if errors:
            raise ImportRejected(_("Nothing was imported: fix these rows and try again."), errors)
        try:
            with transaction.atomic():
                created = Asset.objects.bulk_create(assets)
        except IntegrityError as exc:
            # Someone registered one of these units between our check and the insert.
            raise ImportRejected(
                _("Nothing was imported: fix these rows and try again."),
                [RowError(0, _("A serial number or asset tag in the file was just registered."))],
            ) from exc
        # One event per file; it hangs on the importing user (an import spans many models).
        audit.record(
            by,
            "catalog.assets.imported",
            by if getattr(by, "pk", None) else created[0],
            count=len(created),
            filename=filename,
            asset_tags=[a.asset_tag for a in created],
        )
    return ImportResult(created=created)


def read_rows(file: IO[bytes], filename: str) -> list[tuple[int, dict[str, Any]]]:
    """(row number, {column: value}) for each non-empty data row of a .csv or .xlsx file."""
    name = filename.lower()
    if name.endswith(".xlsx"):
        table = _xlsx_table(file)
    elif name.endswith(".csv"):
        table = _csv_table(file)
    else:
        raise ImportRejected(_("Upload a .csv or .xlsx file."), [])
    if not table:
        raise ImportRejected(_("The file is empty."), [])
    header, *body = table
    columns = [_HEADER_TO_COLUMN.get(_header_key(cell)) for cell in header]
    missing = _missing_columns(set(filter(None, columns)))
    if missing:
        message = _("The file has no column %(columns)s.") % {"columns": ", ".join(missing)}
        raise ImportRejected(message, [RowError(1, message)])
    rows = []
    for number, cells in enumerate(body, start=2):
        values = {
            column: cell
            for column, cell in zip(columns, cells, strict=False)
            if column and not _blank(cell)
        }
        if values:
            rows.append((number, values))
    if not rows:
        raise ImportRejected(_("The file has a header but no rows."), [])
    if len(rows) > MAX_ROWS:
        raise ImportRejected(
            _("A file may hold at most %(max)s rows; split it into smaller files.")
            % {"max": MAX_ROWS},
            [],
        )
    return rows


def validate_rows(rows: list[tuple[int, dict[str, Any]]]) -> tuple[list[Asset], list[RowError]]:
    """Unsaved assets for the rows, and every problem found. A fixed number of queries."""
    lookup = _Lookup.load(rows)
    assets: list[Asset] = []
    errors: list[RowError] = []
    seen_serials: dict[tuple[int, str], int] = {}
    seen_tags: dict[str, int] = {}
    for number, values in rows:
        problems: list[str] = []
        model = lookup.model(values, problems)
        serial = _text(values.get("serial_number"))
        tag = _text(values.get("asset_tag"))
        depot = lookup.depot(values, problems)
        acquired_on = _date(values.get("acquired_on"), problems)
        purchase_cost = _money(values.get("purchase_cost"), problems)

        if not serial:
            problems.append(_("the serial number is missing."))
        elif len(serial) > 100:
            problems.append(_("the serial number is longer than 100 characters."))
        elif model is not None:
            key = (model.pk, serial.casefold())
            if key in seen_serials:
                problems.append(
                    _("serial number %(serial)s of this model is already in row %(row)s.")
                    % {"serial": serial, "row": seen_serials[key]}
                )
            elif key in lookup.existing_serials:
                problems.append(
                    _("serial number %(serial)s of %(model)s is already registered.")
                    % {"serial": serial, "model": model}
                )
            seen_serials.setdefault(key, number)

        if not tag:
            problems.append(_("the asset tag is missing."))
        elif len(tag) > 32:
            problems.append(_("the asset tag is longer than 32 characters."))
        elif tag.casefold() in seen_tags:
            problems.append(
                _("asset tag %(tag)s is already in row %(row)s.")
                % {"tag": tag, "row": seen_tags[tag.casefold()]}
            )
        elif tag.casefold() in lookup.existing_tags:
            problems.append(_("asset tag %(tag)s is already in use.") % {"tag": tag})
        if tag:
            seen_tags.setdefault(tag.casefold(), number)

        if problems:
            errors.extend(RowError(number, p) for p in problems)
            continue
        assets.append(
            Asset(
                model=model,
                serial_number=serial,
                asset_tag=tag,
                depot=depot,
                acquired_on=acquired_on,
                purchase_cost=purchase_cost,
                condition_notes=_text(values.get("condition_notes")),
            )
        )
    return assets, errors


@dataclass
class _Lookup:
    """Everything the rows refer to, loaded up front in a handful of queries."""

    by_slug: dict[str, EquipmentModel]
    by_brand_name: dict[tuple[str, str], EquipmentModel]
    depots: dict[str, Depot]
    only_depot: Depot | None
    existing_serials: set[tuple[int, str]]
    existing_tags: set[str]

    @classmethod
    def load(cls, rows) -> _Lookup:
        models = list(EquipmentModel.objects.select_related("brand"))
        by_brand_name = {}
        for m in models:
            for brand in filter(None, (m.brand.slug, m.brand.name, m.brand.name_zh)):
                by_brand_name[(brand.casefold(), m.name.casefold())] = m
        depots = list(Depot.objects.all())
        # Serials and tags are compared case-insensitively: "xss-001" and "XSS-001" on two labels
        # would confuse a scanner and a person alike.
        serials = {_text(v.get("serial_number")).lower() for _, v in rows} - {""}
        tags = {_text(v.get("asset_tag")).lower() for _, v in rows} - {""}
        existing_serials = {
            (model_id, serial.casefold())
            for model_id, serial in Asset.objects.alias(serial_lower=Lower("serial_number"))
            .filter(serial_lower__in=serials)
            .values_list("model_id", "serial_number")
        }
        existing_tags = {
            tag.casefold()
            for tag in Asset.objects.alias(tag_lower=Lower("asset_tag"))
            .filter(tag_lower__in=tags)
            .values_list("asset_tag", flat=True)
        }
        return cls(
            by_slug={m.slug.casefold(): m for m in models},
            by_brand_name=by_brand_name,
            depots={d.name.casefold(): d for d in depots},
            only_depot=depots[0] if len(depots) == 1 else None,
            existing_serials=existing_serials,
            existing_tags=existing_tags,
        )

    def model(self, values: dict, problems: list[str]) -> EquipmentModel | None:
        slug = _text(values.get("model"))
        brand, name = _text(values.get("brand")), _text(values.get("model_name"))
        if slug:
            found = self.by_slug.get(slug.casefold())
            if found is None:
                problems.append(_("unknown model %(model)s.") % {"model": slug})
            return found
        if brand and name:
            found = self.by_brand_name.get((brand.casefold(), name.casefold()))
            if found is None:
                problems.append(
                    _("unknown model %(model)s of brand %(brand)s.")
                    % {"model": name, "brand": brand}
                )
            return found
        problems.append(_("the model is missing (give its slug, or the brand and model name)."))
        return None

    def depot(self, values: dict, problems: list[str]) -> Depot | None:
        name = _text(values.get("depot"))
        if not name:
            if self.only_depot is None:
                problems.append(_("the depot is missing."))
            return self.only_depot
        found = self.depots.get(name.casefold())
        if found is None:
            problems.append(_("unknown depot %(depot)s.") % {"depot": name})
        return found


def _missing_columns(present: set[str]) -> list[str]:
    missing = [c for c in ("serial_number", "asset_tag") if c not in present]
    if "model" not in present and not {"brand", "model_name"} <= present:
        missing.insert(0, "model")
    return missing


def _date(value: Any, problems: list[str]) -> date | None:
    if _blank(value):
        return None
    if isinstance(value, datetime):
        parsed = value.date()
    elif isinstance(value, date):
        parsed = value
    else:
        text = _text(value)
        parsed = None
        for fmt in DATE_FORMATS:
            try:
                parsed = datetime.strptime(text, fmt).date()
                break
            except ValueError:
                continue
        if parsed is None:
            problems.append(
                _("the acquisition date %(value)s is not a date like 2024-03-15.") % {"value": text}
            )
            return None
    if parsed > timezone.localdate():
        problems.append(
            _("the acquisition date %(value)s is in the future.") % {"value": parsed.isoformat()}
        )
        return None
    return parsed


def _money(value: Any, problems: list[str]) -> Decimal | None:
    if _blank(value):
        return None
    text = _text(value).replace(",", "").removeprefix("¥").strip()
    try:
        amount = Decimal(text).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        amount = None
    if amount is None or amount < 0 or amount >= Decimal("1e10"):
        problems.append(
            _("the purchase cost %(value)s is not an amount like 4999.00.") % {"value": text}
        )
        return None
    return amount


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # Excel stores a numeric serial number as 12345.0
    return str(value).strip()


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _header_key(cell: Any) -> str:
    return _text(cell).lower().replace(" ", "_").replace("-", "_")


# Python's csv module refuses a cell longer than this (its field_size_limit default).
MAX_CELL = 131_072


def _too_many_rows() -> ImportRejected:
    return ImportRejected(
        _("A file may hold at most %(max)s rows; split it into smaller files.") % {"max": MAX_ROWS},
        [],
    )


def _csv_table(file: IO[bytes]) -> list[list[str]]:
    raw = file.read()
    # Excel on a Chinese Windows saves CSV as GB18030 (GBK); everything else as UTF-8.
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ImportRejected(_("The CSV file is neither UTF-8 nor GB18030 text."), [])
    header = text.split("\n", 1)[0]
    delimiter = ","
    if "," not in header:
        delimiter = "\t" if "\t" in header else ";" if ";" in header else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    table: list[list[str]] = []
    try:
        for row in reader:
            table.append(row)
            if len(table) > MAX_ROWS + 1:  # the header and MAX_ROWS rows; stop reading here
                raise _too_many_rows()
    except csv.Error as exc:
        row = reader.line_num or len(table) + 1
        if "field larger than field limit" in str(exc):
            message = _("a cell is longer than %(max)s characters.") % {"max": f"{MAX_CELL:,}"}
        else:
            message = _("this line is not valid CSV (%(error)s).") % {"error": str(exc)[:100]}
        raise ImportRejected(
            _("Nothing was imported: fix these rows and try again."), [RowError(row, message)]
        ) from exc
    return table


def _xlsx_table(file: IO[bytes]) -> list[list[Any]]:
    from zipfile import BadZipFile

    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(file.read()), read_only=True, data_only=True)
    except (BadZipFile, KeyError, OSError, ValueError) as exc:
        raise ImportRejected(_("This is not a readable .xlsx file."), []) from exc
    try:
        if not book.worksheets:
            raise ImportRejected(_("This .xlsx file has no sheet."), [])
        sheet = book.worksheets[0]
        # The sheet says how many rows it has; a 200,000-row sheet is refused before it is read.
        declared = _declared_rows(sheet)
        if declared is not None and declared > MAX_ROWS + 1:
            raise _too_many_rows()
        table: list[list[Any]] = []
        try:
            for row in sheet.iter_rows(values_only=True):
                table.append(list(row))
                if len(table) > MAX_ROWS + 1:
                    raise _too_many_rows()
        except ImportRejected:
            raise
        except Exception as exc:  # openpyxl raises many kinds for a damaged sheet's XML
            raise ImportRejected(
                _("Nothing was imported: the first sheet is damaged after row %(row)s (%(error)s).")
                % {"row": len(table), "error": type(exc).__name__},
                [RowError(len(table) + 1, _("this row of the sheet cannot be read."))],
            ) from exc
        return table
    finally:
        book.close()


def _declared_rows(sheet) -> int | None:
    try:
        return sheet.max_row
    except Exception:  # a missing or malformed <dimension>: count while reading instead
        return None
