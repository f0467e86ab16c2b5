"""Chinese is the default language: every string of ours must have a Chinese translation."""

import re
from pathlib import Path

import polib

PO = Path(__file__).resolve().parents[2] / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdf]|\{(\w+)\}")


def _entries():
    return [e for e in polib.pofile(str(PO)) if not e.obsolete]


def test_every_string_has_a_chinese_translation():
    untranslated = [e.msgid for e in _entries() if not e.translated() or "fuzzy" in e.flags]

    assert untranslated == []


def test_translations_keep_their_placeholders():
    broken = [
        e.msgid
        for e in _entries()
        if not e.msgid_plural
        and set(PLACEHOLDER.findall(e.msgid)) != set(PLACEHOLDER.findall(e.msgstr))
    ]

    assert broken == []


def test_the_committed_mo_file_matches_the_po_file():
    compiled = {(e.msgctxt, e.msgid): e.msgstr for e in polib.mofile(str(PO.with_suffix(".mo")))}
    source = {(e.msgctxt, e.msgid): e.msgstr for e in _entries() if not e.msgid_plural}

    assert {k: compiled.get(k) for k in source} == source
