"""The embedded CJK fonts of the contract PDF, cut down to the glyphs it draws.

WeasyPrint subsets each font it embeds, but keeps every glyph id up to the highest one used, so
that its text can keep naming glyphs by their ids in the whole font. In Noto CJK (65,535 glyphs,
the Chinese ones numbered high) that leaves ~140 KB of empty glyph slots in each of the two
weights: a 3-unit contract weighed 355 KB, 80 KB without them.

Noto CJK is a CID-keyed CFF font whose CIDs equal its glyph ids, and a PDF names a glyph of such a
font by CID, which the font's charset maps to the glyph. So the font can be subset again with new,
dense glyph ids, its charset keeping each glyph's CID, provided the bare CFF program is embedded
(FontFile3 /CIDFontType0C, looked up by CID) instead of the OpenType file around it (/OpenType,
which poppler indexes by glyph id). poppler, MuPDF and PDFium draw the result alike.

The subsetting is HarfBuzz's (the libharfbuzz-subset WeasyPrint itself uses, here through cffi):
about 10 ms a font where fontTools took half a second. Any font that is not CID-keyed CFF with the
drawn CIDs intact is left as WeasyPrint wrote it.
"""

from __future__ import annotations

import io
from functools import cache
from typing import Any

__all__ = ["compact_cjk_fonts"]

_CDEF = """
typedef struct hb_blob_t hb_blob_t;
typedef struct hb_face_t hb_face_t;
typedef struct hb_set_t hb_set_t;
typedef struct hb_subset_input_t hb_subset_input_t;
hb_blob_t *hb_blob_create(const char *data, unsigned int length, int mode, void *user_data,
                          void *destroy);
void hb_blob_destroy(hb_blob_t *blob);
const char *hb_blob_get_data(hb_blob_t *blob, unsigned int *length);
hb_face_t *hb_face_create(hb_blob_t *blob, unsigned int index);
void hb_face_destroy(hb_face_t *face);
hb_blob_t *hb_face_reference_table(const hb_face_t *face, uint32_t tag);
hb_subset_input_t *hb_subset_input_create_or_fail(void);
void hb_subset_input_destroy(hb_subset_input_t *input);
hb_set_t *hb_subset_input_glyph_set(hb_subset_input_t *input);
void hb_set_add(hb_set_t *set, uint32_t codepoint);
void hb_subset_input_set_flags(hb_subset_input_t *input, unsigned int value);
hb_face_t *hb_subset_or_fail(hb_face_t *source, const hb_subset_input_t *input);
"""
_MEMORY_MODE_DUPLICATE = 0
# HB_SUBSET_FLAGS_: NO_HINTING | DESUBROUTINIZE | NOTDEF_OUTLINE | NO_LAYOUT_CLOSURE
_SUBSET_FLAGS = 0x1 | 0x4 | 0x40 | 0x200
_CFF_TAG = int.from_bytes(b"CFF ", "big")


@cache
def _harfbuzz() -> tuple[Any, Any, Any]:
    import cffi

    ffi = cffi.FFI()
    ffi.cdef(_CDEF)
    return ffi, ffi.dlopen("libharfbuzz.so.0"), ffi.dlopen("libharfbuzz-subset.so.0")


def compact_cjk_fonts(document: Any, pdf: Any) -> None:
    """A WeasyPrint finisher (`write_pdf(finisher=...)`): re-subset each embedded CID-keyed CFF
    font to the glyphs the font's /W array gives a width, and embed it as bare CFF."""
    import pydyf

    by_number = {obj.number: obj for obj in pdf.objects if isinstance(obj, pydyf.Object)}

    def target(reference: bytes) -> Any:
        return by_number[int(reference.split()[0])]

    drawn: dict[int, set[int]] = {}  # font program's object number -> CIDs drawn with it
    for obj in pdf.objects:
        if isinstance(obj, pydyf.Dictionary) and obj.get("Subtype") == "/CIDFontType0":
            program = target(target(obj["FontDescriptor"])["FontFile3"])
            widths = obj.get("W") or []  # [first_cid [w1 w2 ...] first_cid [...] ...]
            drawn.setdefault(program.number, set()).update(
                first + offset
                for first, run in zip(widths[::2], widths[1::2], strict=True)
                for offset in range(len(run))
            )
    for number, cids in drawn.items():
        program = by_number[number]
        if program.extra.get("Subtype") != "/OpenType":
            continue
        bare = _bare_cff(b"".join(program.stream), cids)
        if bare is not None:
            program.stream = [bare]
            program.extra["Subtype"] = "/CIDFontType0C"


def _bare_cff(font_file: bytes, cids: set[int]) -> bytes | None:
    """The CFF program of this OpenType font with only these glyphs (by id) and .notdef, or None
    when it is not a CID-keyed CFF font that keeps these CIDs."""
    ffi, hb, hb_subset = _harfbuzz()
    blob = hb.hb_blob_create(font_file, len(font_file), _MEMORY_MODE_DUPLICATE, ffi.NULL, ffi.NULL)
    face = hb.hb_face_create(blob, 0)
    request = hb_subset.hb_subset_input_create_or_fail()
    subset = table = ffi.NULL
    try:
        if request == ffi.NULL:
            return None
        glyphs = hb_subset.hb_subset_input_glyph_set(request)
        for glyph in (0, *sorted(cids)):
            hb.hb_set_add(glyphs, glyph)
        hb_subset.hb_subset_input_set_flags(request, _SUBSET_FLAGS)
        subset = hb_subset.hb_subset_or_fail(face, request)
        if subset == ffi.NULL:
            return None
        table = hb.hb_face_reference_table(subset, _CFF_TAG)
        length = ffi.new("unsigned int *")
        data = hb.hb_blob_get_data(table, length)
        cff = bytes(ffi.buffer(data, length[0])) if length[0] else b""
    finally:
        if table != ffi.NULL:
            hb.hb_blob_destroy(table)
        if subset != ffi.NULL:
            hb.hb_face_destroy(subset)
        if request != ffi.NULL:
            hb_subset.hb_subset_input_destroy(request)
        hb.hb_face_destroy(face)
        hb.hb_blob_destroy(blob)
    return cff if cff and cids <= _cids(cff) else None


def _cids(cff: bytes) -> set[int]:
    """The CIDs of a CID-keyed CFF program's glyphs (none for a name-keyed one)."""
    from fontTools.cffLib import CFFFontSet

    fonts = CFFFontSet()
    fonts.decompile(io.BytesIO(cff), otFont=None)
    top = fonts[fonts.fontNames[0]]
    if not hasattr(top, "ROS"):
        return set()
    return {int(name[3:]) for name in top.charset if name.startswith("cid")}
