"""Chinese is the default language: every string of ours must have a Chinese translation."""

import re
import shutil
from pathlib import Path

import polib
from django.core.management import call_command

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


def test_the_catalogue_is_what_make_messages_extracts(tmp_path, monkeypatch, settings):
    """The committed catalogue is what `make messages` extracts today: nothing marked is missing
    from it (the tests above would not see such a string), nothing in it would be dropped.
    Extracted into a copy (the tree linked into tmp_path, the catalogue copied), so the
    committed files are never touched."""
    root = PO.parents[3]
    for entry in root.iterdir():
        if entry.name not in {"locale", "var", ".venv", ".git", "node_modules"}:
            (tmp_path / entry.name).symlink_to(entry)
    copy = tmp_path / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
    copy.parent.mkdir(parents=True)
    shutil.copy(PO, copy)
    monkeypatch.chdir(tmp_path)
    settings.LOCALE_PATHS = [tmp_path / "locale"]

    call_command(
        "makemessages",
        locale=["zh_Hans"],
        symlinks=True,
        ignore_patterns=[".*", "var", "node_modules"],
        verbosity=0,
    )

    committed = {(e.msgctxt, e.msgid) for e in _entries()}
    extracted = {(e.msgctxt, e.msgid) for e in polib.pofile(str(copy)) if not e.obsolete}
    # A string marked in the code but never extracted: the pages would show it in English.
    assert sorted(m for _c, m in extracted - committed) == [], "run `make messages`, translate"
    # An entry no code marks: `make messages` would drop its translation (a library's string we
    # translate ourselves belongs in rental/core/library_strings.py).
    assert sorted(m for _c, m in committed - extracted) == []
