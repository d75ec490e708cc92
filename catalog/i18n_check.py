"""`make lint`'s check of the French catalogue, and `make translations`, which updates it from the sources.

The check extracts every message from the code and templates (babel.cfg) and fails when a message
has no French, an empty or fuzzy one, when the catalogue keeps a message the sources no longer
have (stale), or when the compiled .mo differs from the .po.

    python -m catalog.i18n_check            # check (make lint)
    python -m catalog.i18n_check --update   # add new messages, drop stale ones, compile (make translations)
"""

import argparse
import io
import subprocess
import sys
import tempfile
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "translations"
LANGUAGES = ("fr",)
# The gettext functions the code calls, besides pybabel's defaults (_, gettext, ngettext…).
KEYWORDS = ("lazy_gettext", "_l", "lazy_ngettext:1,2", "N_", "phrase")


def extract() -> Catalog:
    """Every message of the code and the templates, as pybabel extracts it with babel.cfg."""
    with tempfile.TemporaryDirectory() as folder:
        pot = Path(folder) / "messages.pot"
        keywords = [argument for keyword in KEYWORDS for argument in ("-k", keyword)]
        command = [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg", *keywords]
        # Our own interpreter with fixed arguments: nothing from outside reaches the command line.
        subprocess.run(  # noqa: S603
            [*command, "--no-location", "--sort-by-file", "-o", str(pot), "."],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        with pot.open("rb") as file:
            return read_po(file)


def problems(template: Catalog, catalogue: Catalog) -> list[str]:
    """What is wrong with `catalogue` against the messages of `template`, one line each."""
    found = []
    for message in template:
        if not message.id:
            continue
        translated = catalogue.get(message.id)
        name = _name(message.id)
        if translated is None:
            found.append(f"untranslated: {name}")
        elif translated.fuzzy:
            found.append(f"fuzzy: {name}")
        elif not all(translated.string) if translated.pluralizable else not translated.string:
            found.append(f"empty: {name}")
    for message in catalogue:
        if message.id and template.get(message.id) is None:
            found.append(f"stale (no longer in the sources): {_name(message.id)}")
    found.extend(f"stale (obsolete entry kept): {_name(key)}" for key in catalogue.obsolete)
    return found


def _name(message_id) -> str:
    return repr(message_id[0] if isinstance(message_id, tuple) else message_id)


def _pairs(catalogue: Catalog) -> dict:
    """Message → translation, plural forms as tuples (a .mo reads them back as lists)."""

    def key(value):
        return tuple(value) if isinstance(value, (list, tuple)) else value

    return {key(message.id): key(message.string) for message in catalogue if message.id}


def compiled_problems(catalogue: Catalog, mo_path: Path) -> list[str]:
    """Whether the committed .mo holds exactly the .po's translations."""
    if not mo_path.exists():
        return [f"missing: {mo_path.relative_to(ROOT)} (run make translations)"]
    with mo_path.open("rb") as file:
        compiled = _pairs(read_mo(file))
    expected = _pairs(catalogue)
    if compiled != expected:
        return [f"out of date: {mo_path.relative_to(ROOT)} differs from its .po (run make translations)"]
    return []


def check() -> int:
    template = extract()
    failures = []
    for language in LANGUAGES:
        po_path = TRANSLATIONS / language / "LC_MESSAGES" / "messages.po"
        with po_path.open("rb") as file:
            catalogue = read_po(file, locale=language)
        found = problems(template, catalogue) + compiled_problems(catalogue, po_path.with_suffix(".mo"))
        failures.extend(f"{po_path.relative_to(ROOT)}: {line}" for line in found)
    for line in failures:
        print(line, file=sys.stderr)
    if failures:
        print(f"{len(failures)} translation problem(s): run `make translations`, then translate.", file=sys.stderr)
        return 1
    print(f"Translations complete: {len(template)} messages in {', '.join(LANGUAGES)}.")
    return 0


def update() -> int:
    """New messages are added untranslated (for `check` to name), stale ones dropped, and the .mo compiled."""
    template = extract()
    for language in LANGUAGES:
        po_path = TRANSLATIONS / language / "LC_MESSAGES" / "messages.po"
        with po_path.open("rb") as file:
            catalogue = read_po(file, locale=language)
        catalogue.update(template, no_fuzzy_matching=True, update_header_comment=False)
        buffer = io.BytesIO()
        write_po(buffer, catalogue, width=120, ignore_obsolete=True, omit_header=False)
        po_path.write_bytes(buffer.getvalue())
        with po_path.with_suffix(".mo").open("wb") as file:
            write_mo(file, catalogue, use_fuzzy=False)
        print(f"{po_path.relative_to(ROOT)}: {len(problems(template, catalogue))} message(s) to translate.")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--update", action="store_true", help="update the catalogues from the sources and compile")
    return update() if parser.parse_args().update else check()


if __name__ == "__main__":
    sys.exit(main())
