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
from sqlalchemy.orm import Session

from catalog.allergens import service as allergens_service
from catalog.allergens.schemas import AllergenCreateSchema, CrossReactionInputSchema
from catalog.core.errors import Invalid
from catalog.extensions import db
from catalog.ingredients import documents
from catalog.ingredients import service as ingredients_service
from catalog.ingredients.schemas import IngredientCreateSchema
from catalog.products import service as products_service
from catalog.products.schemas import ProductCreateSchema
from catalog.vocabularies import service as vocabularies_service
from catalog.vocabularies.models import Category, Purpose, Source
from catalog.vocabularies.schemas import CodedTermSchema, ConditionSchema, SourceSchema
from catalog.vocabularies.service import upsert_by_code


class SeedError(Exception):
    """A seed file that cannot be loaded; the message names the file, entry and field."""


def _terms(model):
    return lambda session, entries: upsert_by_code(session, model=model, entries=entries)


# Kinds added after the first catalogue: a seed folder without them loads as before.
OPTIONAL_FILES = {"cross_reactions.yaml", "products.yaml"}

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
    ("ingredients.yaml", IngredientCreateSchema(), lambda s, e: ingredients_service.upsert_ingredients(s, entries=e)),
    ("products.yaml", ProductCreateSchema(), lambda s, e: products_service.upsert_products(s, entries=e)),
]


def load_seed(session: Session, directory: Path) -> dict[str, dict[str, int]]:
    """Validate and upsert every seed file; flushes but leaves the commit to the caller."""
    report = {}
    for filename, schema, upsert in SEED_FILES:
        path = directory / filename
        raw = [] if filename in OPTIONAL_FILES and not path.exists() else _read(path)
        if filename == "allergens.yaml":
            raw = list(_flatten_tree(raw, path))
        entries = [_validate(schema, entry, path, index) for index, entry in enumerate(raw, start=1)]
        _reject_duplicates(entries, path)
        try:
            report[filename] = upsert(session, entries)
        except Invalid as error:
            raise SeedError(f"{path.name}: {error.message} {_describe(error.errors)}".strip()) from error
    # Names of categories, allergens, sources… appear inside every stored ingredient document.
    coded_lists_changed = any(
        counts["created"] or counts["updated"]
        for name, counts in report.items()
        if name not in ("ingredients.yaml", "products.yaml")
    )
    if coded_lists_changed:
        documents.refresh_documents(session)
    else:
        documents.refresh_missing_documents(session)
    return report


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
        key = entry.get("slug") or entry.get("code") or "+".join(entry.get("between") or [])
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
def seed_command(directory: Path | None) -> None:
    """Load the catalogue's seed data (idempotent; all or nothing)."""
    directory = directory or Path(current_app.config["SEED_DIRECTORY"])
    try:
        report = load_seed(db.session, directory)
        db.session.commit()
    except SeedError as error:
        db.session.rollback()
        raise click.ClickException(f"Seed not loaded, nothing changed. {error}") from error
    for filename, counts in report.items():
        created, updated, unchanged = counts["created"], counts["updated"], counts["unchanged"]
        click.echo(f"{filename:18} {created:4} created {updated:4} updated {unchanged:4} unchanged")


def init_app(app: Flask) -> None:
    app.cli.add_command(seed_command)
