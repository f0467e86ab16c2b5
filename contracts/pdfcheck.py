"""Is an uploaded PDF a plain scan? Every object of the file is read with pypdf, which undoes
every filter (Flate, ASCIIHex, ASCII85, LZW, RunLength, object streams), and the whole object
graph is searched for what can run code, talk to the network, or carry other files.

A scan of an ID card or a licence has none of these; a file that has one, or that cannot be read
completely within the limits, is refused. Pure: bytes in, a verdict out; no database.
"""

from __future__ import annotations

import io
import logging
import re
from dataclasses import dataclass

log = logging.getLogger(__name__)

# Keys and name values that mean active content, wherever they appear.
ACTIVE_NAMES = frozenset(
    {
        "/JavaScript",
        "/JS",
        "/AA",  # additional actions: run on open, close, page view, field focus…
        "/OpenAction",
        "/URI",
        "/SubmitForm",
        "/ImportData",
        "/Launch",
        "/GoToR",
        "/GoToE",
        "/EmbeddedFile",
        "/EmbeddedFiles",
        "/FileAttachment",
        "/XFA",
        "/RichMedia",
        "/Sound",
        "/Movie",
    }
)
# A scan has a handful of objects; a file with this many is not one we can check cheaply.
MAX_OBJECTS = 20_000
MAX_DEPTH = 60
# Decoded stream bytes we are willing to read through (a scan's streams are mostly its image).
MAX_DECODED = 64 * 1024 * 1024
_NAME = re.compile(rb"/([^\s/<>\[\]()%{}]+)")
_HEX = re.compile(rb"#([0-9A-Fa-f]{2})")


@dataclass(frozen=True)
class Verdict:
    ok: bool
    reason: str = ""  # "active:/JavaScript", "unreadable", "too_complex"


def check(content: bytes) -> Verdict:
    """Read every object of the PDF; refuse active content or a file pypdf cannot read whole."""
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(content), strict=False)
        if reader.is_encrypted:
            return Verdict(False, "encrypted")
        ids = _object_ids(reader)
        if len(ids) > MAX_OBJECTS:
            return Verdict(False, "too_complex")
        roots = [reader.trailer]
        for idnum, generation in ids:
            obj = reader.get_object(_ref(reader, idnum, generation))
            if obj is not None:
                roots.append(obj)
        for page in reader.pages:
            roots.append(page)
        seen: set[int] = set()
        for root in roots:
            found = _walk(root, seen, 0)
            if found:
                return Verdict(False, f"active:{found}")
        # Streams decoded through every filter: an object stream the cross-reference table does
        # not list still holds dictionaries, written as text behind ASCIIHex, Flate, LZW…
        budget = MAX_DECODED
        for root in roots:
            found, budget = _scan_stream(root, budget)
            if budget < 0:
                return Verdict(False, "too_complex")
            if found:
                return Verdict(False, f"active:{found}")
    except RecursionError:
        return Verdict(False, "too_complex")
    except Exception as exc:  # an untrusted file may break the parser in any way
        log.info("PDF could not be read completely: %s", exc)
        return Verdict(False, "unreadable")
    return Verdict(True)


def _scan_stream(obj, budget: int) -> tuple[str, int]:
    from pypdf.generic import StreamObject

    if not isinstance(obj, StreamObject) or obj.get("/Subtype") == "/Image":
        return "", budget
    data = obj.get_data()
    budget -= len(data)
    for match in _NAME.finditer(data):
        name = _HEX.sub(lambda m: bytes([int(m.group(1), 16)]), match.group(1))
        text = "/" + name.decode("latin-1")
        if text in ACTIVE_NAMES:
            return text, budget
    return "", budget


def _ref(reader, idnum: int, generation: int):
    from pypdf.generic import IndirectObject

    return IndirectObject(idnum, generation, reader)


def _object_ids(reader) -> list[tuple[int, int]]:
    ids: set[tuple[int, int]] = set()
    for generation, table in reader.xref.items():
        ids.update((idnum, generation) for idnum in table)
    ids.update((idnum, 0) for idnum in reader.xref_objStm)
    return sorted(ids)


def _walk(obj, seen: set[int], depth: int) -> str:
    """The first active name found under `obj`, or ""."""
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

    if depth > MAX_DEPTH:
        raise RecursionError
    if isinstance(obj, IndirectObject):
        key = (obj.idnum, obj.generation)
        marker = hash(key)
        if marker in seen:
            return ""
        seen.add(marker)
        obj = obj.get_object()
    if isinstance(obj, NameObject):
        return str(obj) if str(obj) in ACTIVE_NAMES else ""
    if isinstance(obj, DictionaryObject):
        for key, value in obj.items():
            if str(key) in ACTIVE_NAMES:
                return str(key)
            found = _walk(value, seen, depth + 1)
            if found:
                return found
        return ""
    if isinstance(obj, ArrayObject):
        for item in obj:
            found = _walk(item, seen, depth + 1)
            if found:
                return found
    return ""
