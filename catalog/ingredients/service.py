"""Searching, reading and writing ingredients and their coded lists."""

import json
from dataclasses import dataclass
from functools import cached_property

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session, aliased, selectinload

from catalog.allergens import service as allergens_service
from catalog.allergens.hierarchy import AllergenHierarchy
from catalog.allergens.models import Allergen
from catalog.audit import service as audit
from catalog.core.actors import Actor
from catalog.core.db import utcnow
from catalog.core.errors import Conflict, Invalid, NotFound
from catalog.core.paging import Page
from catalog.ingredients import documents, records
from catalog.ingredients.models import (
    Incompatibility,
    Ingredient,
    IngredientReference,
    SearchTerm,
    ingredient_allergens,
    ingredient_purposes,
)
from catalog.ingredients.search import (
    fold,
    query_terms,
    search_term_rows,
    weighted_terms,
)
from catalog.vocabularies.models import Category, Condition, Purpose, Source


@dataclass(frozen=True)
class IngredientPage(Page):
    """One page of results whose items are their stored IngredientSummarySchema JSON, served as they are."""

    @cached_property
    def records(self) -> list[dict]:
        """The items parsed, for the pages."""
        return [json.loads(summary) for summary in self.items]

    def to_json(self) -> str:
        """The IngredientPageSchema document, assembled from the stored summaries."""
        return (
            f'{{"items":[{",".join(self.items)}],"page":{self.page},"page_size":{self.page_size},'
            f'"pages":{self.pages},"total":{self.total}}}'
        )


# --- Search -----------------------------------------------------------------


def search_ingredients(
    session: Session,
    *,
    q: str | None = None,
    categories: list[str] | None = None,
    purposes: list[str] | None = None,
    origins: list[str] | None = None,
    free_of: list[str] | None = None,
    sort: str | None = None,
    page: int = 1,
    page_size: int = 20,
) -> IngredientPage:
    """One page of the ingredients matching every filter given (values within a filter: any of)."""
    _check_codes(session, categories=categories, purposes=purposes, free_of=free_of)
    terms = query_terms(q)
    if q and q.strip() and not terms:  # only punctuation or symbols: nothing can match
        return IngredientPage(items=[], total=0, page=page, page_size=page_size)
    sort = sort or ("relevance" if terms else "name")

    excluded = allergens_service.load_hierarchy(session).with_members(free_of) if free_of else set()
    if terms:
        ids, total = _ranked_matches(
            session, terms, categories, origins, purposes, excluded, sort, page=page, page_size=page_size
        )
    else:
        ids, total = _listed_matches(
            session, categories, origins, purposes, excluded, sort, page=page, page_size=page_size
        )
    summaries = documents.get_summaries(session, ingredient_ids=ids)
    return IngredientPage(items=summaries, total=total, page=page, page_size=page_size)


ORDERINGS = {
    "name": lambda: [Ingredient.sort_name, Ingredient.id],
    "-name": lambda: [Ingredient.sort_name.desc(), Ingredient.id.desc()],
    "updated": lambda: [Ingredient.updated_at, Ingredient.id],
    "-updated": lambda: [Ingredient.updated_at.desc(), Ingredient.id.desc()],
    "relevance": lambda: [Ingredient.sort_name, Ingredient.id],  # without words, relevance is the name
}


def _filters(ingredient_id, categories, origins, purposes, excluded) -> list:
    """WHERE clauses on an ingredient id column; category and origin need `ingredients` in the FROM."""
    clauses = []
    if categories:
        clauses.append(Ingredient.category_code.in_(categories))
    if origins:
        clauses.append(Ingredient.origin.in_(origins))
    if purposes:
        with_purpose = select(ingredient_purposes.c.ingredient_id).where(
            ingredient_purposes.c.purpose_code.in_(purposes)
        )
        clauses.append(ingredient_id.in_(with_purpose))
    if excluded:
        flagged = select(ingredient_allergens.c.ingredient_id).where(ingredient_allergens.c.allergen_code.in_(excluded))
        clauses.append(ingredient_id.not_in(flagged))
    return clauses


def _listed_matches(session, categories, origins, purposes, excluded, sort, *, page, page_size):
    """Ids of one page in the chosen order, and the total: two plain indexed queries."""
    matching = select(Ingredient.id).where(*_filters(Ingredient.id, categories, origins, purposes, excluded))
    total = session.scalar(select(func.count()).select_from(matching.subquery()))
    ids = session.scalars(matching.order_by(*ORDERINGS[sort]()).limit(page_size).offset((page - 1) * page_size))
    return list(ids), total


def _ranked_matches(session, terms, categories, origins, purposes, excluded, sort, *, page, page_size):
    """Ids of one page of ingredients matching every word, best first, and the total.

    Each query word is one exact lookup: the stored terms already hold every
    prefix of name words (see `catalog.ingredients.search`). With one word and
    no filter, the index hands rows over in relevance order, so a page costs a
    few index entries however many ingredients match.
    """
    hits = [aliased(SearchTerm, name=f"hits_{index}") for index in range(len(terms))]
    first = hits[0]
    ranked = select(first.ingredient_id).where(first.term == terms[0])
    for term, other in zip(terms[1:], hits[1:], strict=True):
        ranked = ranked.join(other, (other.ingredient_id == first.ingredient_id) & (other.term == term))
    if categories or origins or sort in ("updated", "-updated"):
        ranked = ranked.join(Ingredient, Ingredient.id == first.ingredient_id)
    ranked = ranked.where(*_filters(first.ingredient_id, categories, origins, purposes, excluded))
    score = sum((h.weight for h in hits[1:]), first.weight)
    ordering = {
        "relevance": [score.desc(), first.sort_name, first.ingredient_id],
        "name": [first.sort_name, first.ingredient_id],
        "-name": [first.sort_name.desc(), first.ingredient_id.desc()],
    }.get(sort) or ORDERINGS[sort]()
    total = session.scalar(select(func.count()).select_from(ranked.subquery()))
    ids = session.scalars(ranked.order_by(*ordering).limit(page_size).offset((page - 1) * page_size))
    return list(ids), total


def _check_codes(session: Session, *, categories, purposes, free_of) -> None:
    """Unknown codes are a mistake worth telling, not a filter that silently matches nothing."""
    errors: dict[str, list[str]] = {}
    for field, model, codes in (("category", Category, categories), ("purpose", Purpose, purposes)):
        if codes:
            known = set(session.scalars(select(model.code).where(model.code.in_(codes))))
            unknown = [c for c in codes if c not in known]
            if unknown:
                errors[field] = [f"Unknown {field} code: {', '.join(unknown)}."]
    if free_of:
        unknown = allergens_service.unknown_codes(session, codes=free_of)
        if unknown:
            errors["free_of"] = [f"Unknown allergen code: {', '.join(unknown)}."]
    if errors:
        raise Invalid("The request's parameters are not valid.", errors={"query": errors})


# --- One ingredient ---------------------------------------------------------


def get_ingredient(session: Session, *, slug: str) -> records.IngredientRecord:
    """The whole record, with allergen flags resolved to their groups and incompatibilities from both sides."""
    ingredients = records.load_full_records(session, Ingredient.slug == slug)
    if not ingredients:
        raise NotFound(f"No ingredient has the slug {slug!r}.")
    return ingredients[0]


def get_ingredient_document(session: Session, *, slug: str) -> tuple[str, str]:
    """(ETag, JSON body) of one ingredient's whole record, as stored when the catalogue last changed."""
    return documents.get_document(session, slug=slug)


def ingredients_by_slug(session: Session, *, slugs: list[str]) -> list[Ingredient]:
    """The ingredients (columns only, no collections) with these slugs."""
    return list(session.scalars(select(Ingredient).where(Ingredient.slug.in_(slugs))))


def allergen_detail(session: Session, *, code: str) -> dict:
    """One allergen with its groups, members and the ingredients it flags (the API's and the page's view).

    Which ingredients an allergen flags is known here, above the allergens domain.
    """
    hierarchy = allergens_service.load_hierarchy(session)
    node = allergens_service.get_node(hierarchy, code=code)
    return {
        "code": node.code,
        "name": node.name,
        "description": node.description,
        "parent_code": node.parent_code,
        "children": node.children,
        "groups": hierarchy.groups_of(code),
        "ingredients": ingredients_flagged_with(session, hierarchy=hierarchy, code=code),
    }


def ingredients_flagged_with(session: Session, *, hierarchy: AllergenHierarchy, code: str) -> list[dict]:
    """Ingredients flagged with `code` or any allergen below it, each with the flags that matched."""
    codes = hierarchy.with_members([code])
    rows = session.execute(
        select(Ingredient.slug, Ingredient.name, ingredient_allergens.c.allergen_code)
        .join(ingredient_allergens, ingredient_allergens.c.ingredient_id == Ingredient.id)
        .where(ingredient_allergens.c.allergen_code.in_(codes))
        .order_by(Ingredient.sort_name, ingredient_allergens.c.allergen_code)
    )
    flagged: dict[str, dict] = {}
    for slug, name, allergen_code in rows:
        entry = flagged.setdefault(slug, {"slug": slug, "name": name, "flagged_with": []})
        node = hierarchy.get(allergen_code)
        entry["flagged_with"].append({"code": node.code, "name": node.name})
    return list(flagged.values())


# --- Writing ----------------------------------------------------------------

# Values safe and useful in the audit trail; prose fields are listed by name.
CODED_INGREDIENT_FIELDS = {"category", "origin", "purposes", "allergens", "contraindications", "cas_number"}


def save_ingredient(session: Session, *, actor: Actor, entry: dict, create: bool) -> records.IngredientRecord:
    """Create (`create=True`, the slug must be new) or replace an ingredient's whole record."""
    exists = session.scalar(select(Ingredient.id).where(Ingredient.slug == entry["slug"])) is not None
    if create and exists:
        raise Conflict("An ingredient with this slug exists; PUT to its URL to change it.", errors={"slug": ["Taken."]})
    if not create and not exists:
        raise NotFound(f"No ingredient has the slug {entry['slug']!r}.")
    before = as_input(_stored(session, slug=entry["slug"])) if exists else {}
    upsert_ingredients(session, entries=[entry])
    changes = audit.change_list(before, as_input(_stored(session, slug=entry["slug"])), coded=CODED_INGREDIENT_FIELDS)
    if changes:
        audit.record(
            session,
            actor=actor,
            action="ingredient.created" if create else "ingredient.updated",
            object_type="ingredient",
            object_id=entry["slug"],
            changes=changes,
        )
    return get_ingredient(session, slug=entry["slug"])


def _stored(session: Session, *, slug: str) -> Ingredient:
    """The stored row with what `as_input` reads."""
    return session.scalars(select(Ingredient).where(Ingredient.slug == slug).options(*_input_options())).one()


def _input_options() -> tuple:
    return (
        selectinload(Ingredient.purposes),
        selectinload(Ingredient.allergens),
        selectinload(Ingredient.contraindications),
        selectinload(Ingredient.references),
        selectinload(Ingredient.incompatibilities).joinedload(Incompatibility.other_ingredient),
    )


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
        for field in ("purposes", "allergens", "contraindications"):
            unknown = [code for code in entry[field] if code not in known[field]]
            if unknown:
                errors[field] = [f"Unknown code: {', '.join(unknown)}."]
        unknown_sources = [r["source"] for r in entry["references"] if r["source"] not in known["source"]]
        if unknown_sources:
            errors["references"] = [f"Unknown source code: {', '.join(unknown_sources)}."]
        for item in entry["incompatibilities"]:
            if item["ingredient"] not in slugs:
                errors.setdefault("incompatibilities", []).append(f"Unknown ingredient {item['ingredient']!r}.")
            elif item["ingredient"] == entry["slug"]:
                errors.setdefault("incompatibilities", []).append("An ingredient cannot be incompatible with itself.")
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
    result["incompatibilities"] = sorted(entry["incompatibilities"], key=lambda item: item["ingredient"])
    if entry.get("concentration") is not None:
        result["concentration"] = {"usual_min": None, "usual_max": None, "maximum": None, **entry["concentration"]}
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
    ingredient.updated_at = utcnow()
    for field in ("purposes", "allergens", "contraindications"):
        setattr(ingredient, field, [lookups[field][code] for code in entry[field]])
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
