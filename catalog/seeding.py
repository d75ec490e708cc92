"""Loads the catalogue's data files in `seed/` through the same schemas as the API.

Loading is idempotent (upsert by code or slug: a second run changes nothing)
and all or nothing: a bad entry names its file, entry and field, and the
whole load is rolled back.
"""

from pathlib import Path

import click
import yaml
from flask import Flask, current_app
from marshmallow import Schema, ValidationError
from sqlalchemy import String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from catalog.allergens import service as allergens_service
from catalog.allergens.schemas import AllergenCreateSchema, CrossReactionInputSchema
from catalog.core.errors import Invalid
from catalog.core.review import fingerprint
from catalog.extensions import db
from catalog.ingredients import documents
from catalog.ingredients import service as ingredients_service
from catalog.ingredients.schemas import IngredientCreateSchema
from catalog.interop import codes as interop_codes
from catalog.interop.codes import AllergenCodingsSchema
from catalog.products import service as products_service
from catalog.products.schemas import ProductCreateSchema
from catalog.safety import UNITS
from catalog.safety.graph import AllergenGraph, AllergenNode, GraphCycle
from catalog.vocabularies import service as vocabularies_service
from catalog.vocabularies.models import Category, Purpose, Source
from catalog.vocabularies.schemas import CodedTermSchema, ConditionSchema, SourceSchema
from catalog.vocabularies.service import upsert_by_code


class SeedError(Exception):
    """A seed file that cannot be loaded; the message names the file, entry and field."""


def _terms(model):
    return lambda session, entries: upsert_by_code(session, model=model, entries=entries)


# Kinds added after the first catalogue: a seed folder without them loads as before.
OPTIONAL_FILES = {"cross_reactions.yaml", "products.yaml", "fhir_codes.yaml"}

# In dependency order: each file may refer only to those above it.
SEED_FILES: list[tuple[str, Schema, object]] = [
    ("sources.yaml", SourceSchema(), _terms(Source)),
    ("categories.yaml", CodedTermSchema(), _terms(Category)),
    ("purposes.yaml", CodedTermSchema(), _terms(Purpose)),
    ("conditions.yaml", ConditionSchema(), lambda s, e: vocabularies_service.upsert_conditions(s, entries=e)),
    ("allergens.yaml", AllergenCreateSchema(), lambda s, e: allergens_service.upsert_allergens(s, entries=e)),
    (
        "cross_reactions.yaml",
        CrossReactionInputSchema(),
        lambda s, e: allergens_service.upsert_cross_reactions(s, entries=e),
    ),
    ("fhir_codes.yaml", AllergenCodingsSchema(), lambda s, e: interop_codes.upsert_codings(s, entries=e)),
    ("ingredients.yaml", IngredientCreateSchema(), lambda s, e: ingredients_service.upsert_ingredients(s, entries=e)),
    ("products.yaml", ProductCreateSchema(), lambda s, e: products_service.upsert_products(s, entries=e)),
]


class SeedEntry(db.Model):
    """What the seed last loaded for each entry curators can edit: the fingerprint of its data.

    An entry whose stored data no longer matches what the seed last loaded was edited by a curator;
    the seed leaves it alone and reports it (unless told `--force`), so no curated edit is lost.
    """

    __tablename__ = "seed_entries"

    kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))


# The kinds curators edit through the API, with how to read what is stored as seed input.
CURATED = {
    "allergens.yaml": ("allergen", "code", allergens_service),
    "ingredients.yaml": ("ingredient", "slug", ingredients_service),
    "products.yaml": ("product", "slug", products_service),
}


class SeedReport(dict):
    """Counts per file (filename -> created, updated, unchanged), and `kept`: the curated entries left alone."""

    def __init__(self):
        super().__init__()
        self.kept: list[tuple[str, str]] = []


def load_seed(session: Session, directory: Path, *, force: bool = False) -> SeedReport:
    """Validate and upsert every seed file; flushes but leaves the commit to the caller.

    An entry a curator edited since the seed last loaded it is kept as it is and reported, unless `force`.
    """
    report = SeedReport()
    for filename, schema, upsert in SEED_FILES:
        path = directory / filename
        raw = [] if filename in OPTIONAL_FILES and not path.exists() else _read(path)
        if filename == "allergens.yaml":
            raw = list(_flatten_tree(raw, path))
        entries = [_validate(schema, entry, path, index) for index, entry in enumerate(raw, start=1)]
        _reject_duplicates(entries, path)
        if filename in CURATED:
            entries = _without_curated_edits(session, filename, entries, report, force=force)
        try:
            report[filename] = upsert(session, entries)
        except Invalid as error:
            raise SeedError(f"{path.name}: {error.message} {_describe(error.errors)}".strip()) from error
        if filename in CURATED:
            _remember(session, filename, entries)
    # Names of categories, allergens, sources… appear inside every stored ingredient document.
    coded_lists_changed = any(
        counts["created"] or counts["updated"]
        for name, counts in report.items()
        if name not in ("ingredients.yaml", "products.yaml", "fhir_codes.yaml")
    )
    if coded_lists_changed:
        documents.refresh_documents(session)
    else:
        documents.refresh_missing_documents(session)
        # After a release that changed the API's shape, the stored documents are rewritten in the new one.
        documents.refresh_reshaped_documents(session)
    return report


def _without_curated_edits(session: Session, filename: str, entries: list[dict], report: SeedReport, *, force: bool):
    """The entries to load: all of them, but for those a curator changed since the seed last loaded them."""
    kind, key_field, service = CURATED[filename]
    remembered = dict(session.execute(select(SeedEntry.key, SeedEntry.fingerprint).where(SeedEntry.kind == kind)).all())
    if not remembered or force:
        # Nothing remembered yet (the first load with this bookkeeping): what is stored counts as the seed's.
        return entries
    stored = {key: fingerprint(data) for key, data in service.current_inputs(session).items()}
    loaded = []
    for entry in entries:
        key = entry[key_field]
        edited = key in stored and stored[key] != remembered.get(key)
        if edited and stored[key] != fingerprint(service.comparable(entry)):
            report.kept.append((filename, key))
        else:
            loaded.append(entry)
    return loaded


def _remember(session: Session, filename: str, entries: list[dict]) -> None:
    kind, key_field, service = CURATED[filename]
    stored = {key: fingerprint(data) for key, data in service.current_inputs(session).items()}
    for entry in entries:
        key = entry[key_field]
        session.merge(SeedEntry(kind=kind, key=key, fingerprint=stored[key]))
    session.flush()


def _read(path: Path) -> list:
    if not path.is_file():
        raise SeedError(f"{path}: file not found")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise SeedError(f"{path.name}: not valid YAML: {error}") from error
    if not isinstance(data, list) or not all(isinstance(entry, dict) for entry in data):
        raise SeedError(f"{path.name}: expected a list of entries (mappings)")
    return data


def _flatten_tree(nodes: list, path: Path, parent: str | None = None):
    """allergens.yaml nests members under their group; the schema takes a flat `parent`."""
    for node in nodes:
        if not isinstance(node, dict):
            raise SeedError(f"{path.name}: every allergen must be a mapping, found {node!r}")
        members = node.get("members", [])
        entry = {key: value for key, value in node.items() if key != "members"}
        if parent is not None:
            entry["parent"] = parent
        yield entry
        yield from _flatten_tree(members or [], path, parent=node.get("code"))


def _validate(schema: Schema, entry: dict, path: Path, index: int) -> dict:
    try:
        return schema.load(entry)
    except ValidationError as error:
        name = entry.get("slug") or entry.get("code") or "?"
        raise SeedError(f"{path.name}: entry {index} ({name}): {_describe(error.messages)}") from error


def _reject_duplicates(entries: list[dict], path: Path) -> None:
    seen: set[str] = set()
    for index, entry in enumerate(entries, start=1):
        key = entry.get("slug") or entry.get("code") or entry.get("allergen") or "+".join(entry.get("between") or [])
        if key in seen:
            raise SeedError(f"{path.name}: entry {index} ({key}): appears twice")
        seen.add(key)


def _describe(messages) -> str:
    """Flatten marshmallow's nested messages into 'field: reason; field.0.sub: reason'."""
    if not messages:
        return ""
    parts = []

    def walk(value, prefix):
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(inner, f"{prefix}.{key}" if prefix else str(key))
        elif isinstance(value, list) and all(isinstance(v, str) for v in value):
            parts.append(f"{prefix}: {' '.join(value)}")
        else:
            parts.append(f"{prefix}: {value}")

    walk(messages, "")
    return "; ".join(parts)


@click.command("seed")
@click.option(
    "--directory",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Folder of seed files (default: the repository's seed/ or SEED_DIRECTORY).",
)
@click.option("--force", is_flag=True, help="Overwrite curators' edits with the seed files' entries.")
def seed_command(directory: Path | None, force: bool) -> None:
    """Load the catalogue's seed data (idempotent; all or nothing; curators' edits kept unless --force)."""
    directory = directory or Path(current_app.config["SEED_DIRECTORY"])
    try:
        report = load_seed(db.session, directory, force=force)
        db.session.commit()
    except SeedError as error:
        db.session.rollback()
        raise click.ClickException(f"Seed not loaded, nothing changed. {error}") from error
    for filename, counts in report.items():
        created, updated, unchanged = counts["created"], counts["updated"], counts["unchanged"]
        click.echo(f"{filename:18} {created:4} created {updated:4} updated {unchanged:4} unchanged")
    for filename, key in report.kept:
        click.echo(f"kept a curator's edit: {filename} {key} (the seed file differs; export, review, or --force)")


EXPORTED = ("allergens.yaml", "cross_reactions.yaml", "ingredients.yaml", "products.yaml")


def export_catalogue(session: Session, directory: Path) -> dict[str, int]:
    """Write what curators edit (allergens, cross-reactions, ingredients, products) as seed files.

    The files load back to the same data, so curated work can be reviewed and committed to `seed/`.
    """
    directory.mkdir(parents=True, exist_ok=True)
    contents = {
        "allergens.yaml": list(allergens_service.current_inputs(session).values()),
        "cross_reactions.yaml": allergens_service.cross_reaction_inputs(session),
        "ingredients.yaml": list(ingredients_service.current_inputs(session).values()),
        "products.yaml": list(products_service.current_inputs(session).values()),
    }
    header = "# Exported from the database by `flask --app wsgi catalogue export`; loads back unchanged.\n"
    for filename, entries in contents.items():
        text = yaml.safe_dump(entries, allow_unicode=True, sort_keys=False, width=110)
        (directory / filename).write_text(header + text, encoding="utf-8")
    return {filename: len(entries) for filename, entries in contents.items()}


def check_catalogue(directory: Path) -> list[str]:
    """What is wrong with the seed files beyond what loading refuses: each problem by file, entry and field.

    Every source cited exists and every source is cited; ranges are ordered; products' ingredients
    exist and their units fit; the allergen graph has no loop; every condition can produce a finding.
    """
    files = {
        name: [] if name in OPTIONAL_FILES and not (directory / name).exists() else _read(directory / name)
        for name, _schema, _upsert in SEED_FILES
    }
    allergens = list(_flatten_tree(files["allergens.yaml"], directory / "allergens.yaml"))
    problems: list[str] = []
    sources = {entry["code"] for entry in files["sources.yaml"]}
    cited: set[str] = set()

    def cite(filename: str, entry: str, field: str, code: str | None) -> None:
        if code is None:
            return
        cited.add(code)
        if code not in sources:
            problems.append(f"{filename}: {entry}: {field}: cites unknown source {code!r}")

    for entry in files["ingredients.yaml"]:
        for reference in entry.get("references", []):
            cite("ingredients.yaml", entry["slug"], "references", reference.get("source"))
        for limit in entry.get("dose_limits", []):
            cite("ingredients.yaml", entry["slug"], "dose_limits", limit.get("source"))
        c = entry.get("concentration") or {}
        values = [c.get(k) for k in ("usual_min", "usual_max", "maximum")]
        known = [v for v in values if v is not None]
        if known != sorted(known):
            problems.append(f"ingredients.yaml: {entry['slug']}: concentration: not ordered min ≤ max ≤ maximum")
        if c and c.get("unit") not in UNITS:
            problems.append(f"ingredients.yaml: {entry['slug']}: concentration.unit: {c.get('unit')!r} does not parse")
    for entry in allergens:
        cite("allergens.yaml", entry["code"], "cross_reactivity_source", entry.get("cross_reactivity_source"))
    for entry in files["cross_reactions.yaml"]:
        cite("cross_reactions.yaml", "+".join(entry.get("between", [])), "source", entry.get("source"))
    for entry in files["fhir_codes.yaml"]:
        for coding in entry.get("codings", []):
            cite("fhir_codes.yaml", entry.get("allergen", "?"), f"codings.{coding.get('code')}", coding.get("source"))
    for entry in files["conditions.yaml"]:
        for source_field in ("caution_source", "contraindication_source"):
            cite("conditions.yaml", entry["code"], source_field, entry.get(source_field))
    ingredients = {entry["slug"]: entry for entry in files["ingredients.yaml"]}
    for entry in files["products.yaml"]:
        cite("products.yaml", entry["slug"], "label", entry.get("label"))
        for component in entry.get("components", []):
            if component.get("ingredient") not in ingredients:
                problems.append(f"products.yaml: {entry['slug']}: components: unknown {component.get('ingredient')!r}")
    advice_path = directory / "advice.yaml"
    advice = yaml.safe_load(advice_path.read_text(encoding="utf-8")) if advice_path.exists() else {}
    for section, block in [
        ("general", advice.get("general")),
        ("reaction", advice.get("reaction")),
        *((f"techniques.{key}", value) for key, value in (advice.get("techniques") or {}).items()),
        *((f"indications.{key}", value) for key, value in (advice.get("indications") or {}).items()),
    ]:
        cite("advice.yaml", section, "source", (block or {}).get("source"))
    for code in sorted(sources - cited - UNCITED_ALLOWED):
        problems.append(f"sources.yaml: {code}: cited by no entry")
    nodes = [
        AllergenNode(e["code"], e["name"], tuple(filter(None, (e.get("parent"), *e.get("also_in", [])))))
        for e in allergens
    ]
    try:
        AllergenGraph(nodes)
    except GraphCycle as error:
        problems.append(f"allergens.yaml: {error.cycle[0]}: parent: {error}")
    named = {code for e in ingredients.values() for code in (*e.get("contraindications", []), *e.get("cautions", []))}
    for entry in files["conditions.yaml"]:
        if entry["code"] not in named and not entry.get("caution") and not entry.get("contraindication"):
            problems.append(f"conditions.yaml: {entry['code']}: can never produce a finding")
    return problems


# Sources that may stand uncited (none today: the seed article is cited by the advice file).
UNCITED_ALLOWED: set[str] = set()


@click.group("catalogue")
def catalogue_group() -> None:
    """The shared catalogue: check the seed files, export the database's as seed files."""


@catalogue_group.command("check")
@click.option("--directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
def check_command(directory: Path | None) -> None:
    """Check the seed files: sources, figures, products, the allergen graph, conditions."""
    problems = check_catalogue(directory or Path(current_app.config["SEED_DIRECTORY"]))
    for problem in problems:
        click.echo(problem)
    if problems:
        raise click.ClickException(f"{len(problems)} problem(s) in the catalogue.")
    click.echo("The catalogue checks out.")


@catalogue_group.command("export")
@click.option(
    "--directory", type=click.Path(file_okay=False, path_type=Path), required=True, help="Where to write the files."
)
def export_command(directory: Path) -> None:
    """Write the database's allergens, cross-reactions, ingredients and products as seed files."""
    for filename, count in export_catalogue(db.session, directory).items():
        click.echo(f"{filename:22} {count:5} entries")


def init_app(app: Flask) -> None:
    app.cli.add_command(seed_command)
    app.cli.add_command(catalogue_group)
