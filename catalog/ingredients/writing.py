"""Writing ingredients: the seed loader's upsert and curators' audited edits, both validated alike."""

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from catalog.allergens.models import Allergen
from catalog.audit import service as audit
from catalog.core.actors import Actor
from catalog.core.db import utcnow
from catalog.core.errors import Conflict, Invalid, NotFound
from catalog.ingredients import documents, records
from catalog.ingredients.models import (
    DoseLimit,
    Incompatibility,
    Ingredient,
    IngredientReference,
    SearchTerm,
)
from catalog.ingredients.reading import get_ingredient
from catalog.ingredients.records import full_record_options
from catalog.ingredients.search import (
    fold,
    search_term_rows,
    weighted_terms,
)
from catalog.vocabularies.models import Category, Condition, Purpose, Source

# Values safe and useful in the audit trail; prose fields are listed by name.
CODED_INGREDIENT_FIELDS = {"category", "origin", "purposes", "allergens", "contraindications", "cautions", "cas_number"}


def save_ingredient(session: Session, *, actor: Actor, entry: dict, create: bool) -> records.IngredientRecord:
    """Create (`create=True`, the slug must be new) or replace an ingredient's whole record."""
    exists = session.scalar(select(Ingredient.id).where(Ingredient.slug == entry["slug"])) is not None
    if create and exists:
        raise Conflict("An ingredient with this slug exists; PUT to its URL to change it.", errors={"slug": ["Taken."]})
    if not create and not exists:
        raise NotFound(f"No ingredient has the slug {entry['slug']!r}.")
    before = as_input(_stored(session, slug=entry["slug"])) if exists else {}
    upsert_ingredients(session, entries=[entry])
    after = as_input(_stored(session, slug=entry["slug"]))
    audit.record_edit(
        session,
        actor=actor,
        kind="ingredient",
        key=entry["slug"],
        before=before,
        after=after,
        coded=CODED_INGREDIENT_FIELDS,
        created=create,
    )
    return get_ingredient(session, slug=entry["slug"])


def review_ingredient(session: Session, *, actor: Actor, slug: str, sources: list[str]) -> records.IngredientRecord:
    """A curator's review of the ingredient as stored now, against sources it cites; audited."""
    if session.scalar(select(Ingredient.id).where(Ingredient.slug == slug)) is None:
        raise NotFound(f"No ingredient has the slug {slug!r}.")
    stored = _stored(session, slug=slug)
    content = as_input(stored)
    cited = {r["source"] for r in content["references"]} | {limit["source"] for limit in content["dose_limits"]}
    stored.mark_reviewed(actor=actor, content=content, sources=sources, cited=cited)
    audit.record_review(session, actor=actor, kind="ingredient", key=slug, sources=sources)
    session.flush()
    documents.refresh_documents(session, ingredient_ids={stored.id})
    return get_ingredient(session, slug=slug)


def _stored(session: Session, *, slug: str) -> Ingredient:
    """The stored row with what `as_input` reads."""
    return session.scalars(select(Ingredient).where(Ingredient.slug == slug).options(*_input_options())).one()


def _input_options() -> tuple:
    # What `as_input` reads is part of the whole record.
    return full_record_options()


def upsert_ingredients(session: Session, *, entries: list[dict]) -> dict[str, int]:
    """Create or update ingredients validated by IngredientCreateSchema, all or nothing.

    An ingredient whose data equals what is stored is left alone, so loading the
    same seed twice changes nothing (not even `updated_at`).
    """
    _check_references(session, entries)
    existing = {i.slug: i for i in session.scalars(select(Ingredient).options(*_input_options()))}
    lookups = {
        "purposes": {p.code: p for p in session.scalars(select(Purpose))},
        "allergens": {a.code: a for a in session.scalars(select(Allergen))},
        "contraindications": {c.code: c for c in session.scalars(select(Condition))},
    }
    lookups["cautions"] = lookups["contraindications"]
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    changed: list[tuple[Ingredient, dict]] = []
    for entry in entries:
        ingredient = existing.get(entry["slug"])
        if ingredient is not None and as_input(ingredient) == _comparable(entry):
            counts["unchanged"] += 1
            continue
        if ingredient is None:
            ingredient = Ingredient(slug=entry["slug"], created_at=utcnow(), incompatibilities=[])
            session.add(ingredient)
            existing[ingredient.slug] = ingredient
            counts["created"] += 1
        else:
            counts["updated"] += 1
        _apply(ingredient, entry, lookups)
        changed.append((ingredient, entry))
    session.flush()
    for ingredient, entry in changed:
        _sync_incompatibilities(ingredient, entry["incompatibilities"], existing)
        _replace_search_terms(session, ingredient)
        # What a curator's review is compared with: an edit after the review shows as a change.
        ingredient.store_content(_comparable(entry))
    session.flush()
    # Partners' reverse collections and loaded records predate these writes.
    session.expire_all()
    if changed:
        documents.refresh_documents(session, ingredient_ids={ingredient.id for ingredient, _ in changed})
    return counts


def _check_references(session: Session, entries: list[dict]) -> None:
    """Every code and slug an entry refers to must exist; errors name the entry and field."""
    known = {
        "category": set(session.scalars(select(Category.code))),
        "purposes": set(session.scalars(select(Purpose.code))),
        "allergens": set(session.scalars(select(Allergen.code))),
        "contraindications": set(session.scalars(select(Condition.code))),
        "source": set(session.scalars(select(Source.code))),
    }
    slugs = set(session.scalars(select(Ingredient.slug))) | {e["slug"] for e in entries}
    for entry in entries:
        errors: dict[str, list[str]] = {}
        if entry["category"] not in known["category"]:
            errors["category"] = [f"Unknown category code {entry['category']!r}."]
        for field in ("purposes", "allergens", "contraindications", "cautions"):
            unknown = [
                code
                for code in entry[field]
                if code not in known["contraindications" if field == "cautions" else field]
            ]
            if unknown:
                errors[field] = [f"Unknown code: {', '.join(unknown)}."]
        cited = [r["source"] for r in entry["references"]] + [limit["source"] for limit in entry["dose_limits"]]
        unknown_sources = [code for code in cited if code not in known["source"]]
        if unknown_sources:
            errors["references"] = [f"Unknown source code: {', '.join(unknown_sources)}."]
        for item in entry["incompatibilities"]:
            if item["ingredient"] not in slugs:
                errors.setdefault("incompatibilities", []).append(f"Unknown ingredient {item['ingredient']!r}.")
            elif item["ingredient"] == entry["slug"]:
                errors.setdefault("incompatibilities", []).append("An ingredient cannot be incompatible with itself.")
        for limit in entry["dose_limits"]:
            for field in ("with_ingredient", "without_ingredient"):
                if limit.get(field) and limit[field] not in slugs:
                    errors.setdefault("dose_limits", []).append(f"Unknown ingredient {limit[field]!r}.")
        if errors:
            raise Invalid(f"Ingredient {entry['slug']!r} refers to things that do not exist.", errors=errors)


def as_input(ingredient: Ingredient) -> dict:
    """The ingredient in the shape IngredientCreateSchema loads, to compare with new input."""
    return {
        "slug": ingredient.slug,
        "name": ingredient.name,
        "inci_name": ingredient.inci_name,
        "synonyms": list(ingredient.synonyms),
        "cas_number": ingredient.cas_number,
        "category": ingredient.category_code,
        "origin": str(ingredient.origin),
        "purposes": sorted(p.code for p in ingredient.purposes),
        "allergens": sorted(a.code for a in ingredient.allergens),
        "description": ingredient.description,
        "concentration": ingredient.concentration,
        "contraindications": sorted(c.code for c in ingredient.contraindications),
        "cautions": sorted(c.code for c in ingredient.cautions),
        "dose_limits": [
            {
                "per_kg_mg": limit.per_kg_mg,
                "max_mg": limit.max_mg,
                "with_ingredient": limit.with_ingredient,
                "without_ingredient": limit.without_ingredient,
                "source": limit.source_code,
                "supports": limit.supports,
            }
            for limit in ingredient.dose_limits
        ],
        "incompatibilities": sorted(
            ({"ingredient": i.other_ingredient.slug, "reason": i.reason} for i in ingredient.incompatibilities),
            key=lambda item: item["ingredient"],
        ),
        "references": [{"source": r.source_code, "supports": r.supports} for r in ingredient.references],
    }


def _comparable(entry: dict) -> dict:
    """Input normalised the way `as_input` reads a stored record (unordered sets sorted)."""
    result = dict(entry)
    result["purposes"] = sorted(entry["purposes"])
    result["allergens"] = sorted(entry["allergens"])
    result["contraindications"] = sorted(entry["contraindications"])
    result["cautions"] = sorted(entry["cautions"])
    result["incompatibilities"] = sorted(entry["incompatibilities"], key=lambda item: item["ingredient"])
    if entry.get("concentration") is not None:
        result["concentration"] = {
            "usual_min": None,
            "usual_max": None,
            "maximum": None,
            "context": "",
            **entry["concentration"],
        }
    return result


def _apply(ingredient: Ingredient, entry: dict, lookups: dict) -> None:
    concentration = entry.get("concentration") or {}
    ingredient.name = entry["name"]
    ingredient.sort_name = fold(entry["name"])
    ingredient.inci_name = entry.get("inci_name")
    ingredient.synonyms = list(entry["synonyms"])
    ingredient.cas_number = entry.get("cas_number")
    ingredient.category_code = entry["category"]
    ingredient.origin = entry["origin"]
    ingredient.description = entry["description"]
    ingredient.concentration_unit = concentration.get("unit")
    ingredient.usual_min = concentration.get("usual_min")
    ingredient.usual_max = concentration.get("usual_max")
    ingredient.maximum = concentration.get("maximum")
    ingredient.concentration_context = concentration.get("context") or ""
    ingredient.updated_at = utcnow()
    for field in ("purposes", "allergens", "contraindications", "cautions"):
        setattr(ingredient, field, [lookups[field][code] for code in entry[field]])
    ingredient.dose_limits = [
        DoseLimit(
            position=position,
            per_kg_mg=limit.get("per_kg_mg"),
            max_mg=limit.get("max_mg"),
            with_ingredient=limit.get("with_ingredient"),
            without_ingredient=limit.get("without_ingredient"),
            source_code=limit["source"],
            supports=limit["supports"],
        )
        for position, limit in enumerate(entry["dose_limits"])
    ]
    ingredient.references = [
        IngredientReference(source_code=r["source"], supports=r["supports"], position=position)
        for position, r in enumerate(entry["references"])
    ]


def _sync_incompatibilities(ingredient: Ingredient, items: list[dict], by_slug: dict[str, Ingredient]) -> None:
    """Edit the declared pairs in place: a delete and re-insert of one pair in one flush would collide."""
    wanted = {item["ingredient"]: item["reason"] for item in items}
    for pair in list(ingredient.incompatibilities):
        slug = pair.other_ingredient.slug
        if slug not in wanted:
            ingredient.incompatibilities.remove(pair)
        else:
            pair.reason = wanted.pop(slug)
    for slug, reason in wanted.items():
        ingredient.incompatibilities.append(Incompatibility(other_ingredient=by_slug[slug], reason=reason))


def _replace_search_terms(session: Session, ingredient: Ingredient) -> None:
    session.execute(delete(SearchTerm).where(SearchTerm.ingredient_id == ingredient.id))
    terms = weighted_terms(
        name=ingredient.name,
        aliases=[ingredient.slug, ingredient.inci_name or "", *ingredient.synonyms],
        description=ingredient.description,
    )
    if terms:
        session.execute(insert(SearchTerm), search_term_rows(ingredient.id, ingredient.sort_name, terms))


def current_inputs(session: Session) -> dict[str, dict]:
    """Every stored ingredient as IngredientCreateSchema input, by slug (to tell curated edits from the seed's)."""
    # In the order they were added (the seed file's order), so an export diffs cleanly against `seed/`.
    ingredients = session.scalars(select(Ingredient).options(*_input_options()).order_by(Ingredient.id))
    return {i.slug: as_input(i) for i in ingredients}


def comparable(entry: dict) -> dict:
    """A loaded entry in the shape `current_inputs` gives, so that equal data compares equal."""
    return _comparable(entry)
