"""Searching and filtering the catalogue: one page of ingredients, as stored summaries."""

import json
from dataclasses import dataclass
from functools import cache, cached_property
from typing import NamedTuple

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.orm import Session, aliased

from catalog.allergens import service as allergens_service
from catalog.core.errors import Invalid
from catalog.core.paging import Page
from catalog.ingredients import documents
from catalog.ingredients.models import (
    Ingredient,
    SearchTerm,
    ingredient_allergens,
    ingredient_purposes,
)
from catalog.ingredients.search import (
    query_terms,
)
from catalog.vocabularies.models import Category, Purpose

# Lists count their matches exactly up to this many past the first row of the page asked for, and
# say "more than" beyond: counting every match of a broad filter is what made lists slow as the catalogue grew.
COUNT_AHEAD = 200


@dataclass(frozen=True)
class IngredientPage(Page):
    """One page of results whose items are their stored IngredientSummarySchema JSON, served as they are.

    `total` is exact when `total_exact`; otherwise more than `total` ingredients match.
    """

    total_exact: bool = True

    @cached_property
    def records(self) -> list[dict]:
        """The items parsed, for the pages."""
        return [json.loads(summary) for summary in self.items]

    def to_json(self, links: dict[str, str]) -> str:
        """The IngredientPageSchema document, assembled from the stored summaries."""
        return (
            f'{{"items":[{",".join(self.items)}],"links":{json.dumps(links, ensure_ascii=False)},'
            f'"page":{self.page},"page_size":{self.page_size},"pages":{self.pages},'
            f'"total":{self.total},"total_exact":{"true" if self.total_exact else "false"}}}'
        )


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
    values = {"categories": categories, "origins": origins, "purposes": purposes, "excluded": sorted(excluded)}
    shape = Shape(len(terms), *(bool(values[name]) for name in FILTERS), sort)
    page_of, count_of = _statements(shape)
    offset = (page - 1) * page_size
    parameters = {
        **{f"term_{index}": term for index, term in enumerate(terms)},
        **{name: value for name, value in values.items() if value},
        "limit": page_size,
        "offset": offset,
        # Counted up to one past COUNT_AHEAD rows beyond the page's first: enough to say "more than".
        "count_limit": offset + COUNT_AHEAD + 1,
    }
    total = session.scalar(count_of, parameters)
    ids = list(session.scalars(page_of, parameters))
    summaries = documents.get_summaries(session, ingredient_ids=ids)
    counted_up_to = offset + COUNT_AHEAD
    return IngredientPage(
        items=summaries,
        total=min(total, counted_up_to),
        total_exact=total <= counted_up_to,
        page=page,
        page_size=page_size,
    )


FILTERS = ("categories", "origins", "purposes", "excluded")


class Shape(NamedTuple):
    """What a list's statements depend on; the values themselves are bound when they run."""

    words: int
    categories: bool
    origins: bool
    purposes: bool
    excluded: bool
    sort: str


ORDERINGS = {
    "name": lambda: [Ingredient.sort_name, Ingredient.id],
    "-name": lambda: [Ingredient.sort_name.desc(), Ingredient.id.desc()],
    "updated": lambda: [Ingredient.updated_at, Ingredient.id],
    "-updated": lambda: [Ingredient.updated_at.desc(), Ingredient.id.desc()],
    "relevance": lambda: [Ingredient.sort_name, Ingredient.id],  # without words, relevance is the name
}


def _filters(ingredient_id, shape: Shape) -> list:
    """WHERE clauses on an ingredient id column; category and origin need `ingredients` in the FROM.

    Purposes and allergens are probes per candidate row (EXISTS on the link tables' primary keys),
    never a list of every ingredient with the purpose or the allergen: a page walks the list's
    order index and stops once it is full, so its cost follows the filter's selectivity, not the
    catalogue's size.
    """
    clauses = []
    if shape.categories:
        clauses.append(Ingredient.category_code.in_(bindparam("categories", expanding=True)))
    if shape.origins:
        clauses.append(Ingredient.origin.in_(bindparam("origins", expanding=True)))
    if shape.purposes:
        links = ingredient_purposes.c
        purposes = links.purpose_code.in_(bindparam("purposes", expanding=True))
        clauses.append(select(1).where(links.ingredient_id == ingredient_id, purposes).exists())
    if shape.excluded:
        flags = ingredient_allergens.c
        excluded = flags.allergen_code.in_(bindparam("excluded", expanding=True))
        clauses.append(~select(1).where(flags.ingredient_id == ingredient_id, excluded).exists())
    return clauses


@cache
def _statements(shape: Shape) -> tuple[Select, Select]:
    """The page's and the count's statements for this shape of list, built once per process.

    Building a statement costs several times what running it does (SQLAlchemy's Python side, not
    the database), so each shape is built the first time it is asked for and then only executed.
    """
    matching, ordering = _ranked(shape) if shape.words else _listed(shape)
    page_of = matching.order_by(*ordering).limit(bindparam("limit")).offset(bindparam("offset"))
    count_of = select(func.count()).select_from(matching.limit(bindparam("count_limit")).subquery())
    return page_of, count_of


def _listed(shape: Shape) -> tuple[Select, list]:
    """Ingredients by their filters alone, in the chosen order."""
    return select(Ingredient.id).where(*_filters(Ingredient.id, shape)), ORDERINGS[shape.sort]()


def _ranked(shape: Shape) -> tuple[Select, list]:
    """Ingredients matching every word (bound as term_0, term_1…), best first.

    Each query word is one exact lookup: the stored terms already hold every
    prefix of name words (see `catalog.ingredients.search`). With one word and
    no filter, the index hands rows over in relevance order, so a page costs a
    few index entries however many ingredients match.
    """
    hits = [aliased(SearchTerm, name=f"hits_{index}") for index in range(shape.words)]
    first = hits[0]
    ranked = select(first.ingredient_id).where(first.term == bindparam("term_0"))
    for index, other in enumerate(hits[1:], start=1):
        ranked = ranked.join(
            other, (other.ingredient_id == first.ingredient_id) & (other.term == bindparam(f"term_{index}"))
        )
    if shape.categories or shape.origins or shape.sort in ("updated", "-updated"):
        ranked = ranked.join(Ingredient, Ingredient.id == first.ingredient_id)
    ranked = ranked.where(*_filters(first.ingredient_id, shape))
    score = sum((h.weight for h in hits[1:]), first.weight)
    ordering = {
        "relevance": [score.desc(), first.sort_name, first.ingredient_id],
        "name": [first.sort_name, first.ingredient_id],
        "-name": [first.sort_name.desc(), first.ingredient_id.desc()],
    }.get(shape.sort) or ORDERINGS[shape.sort]()
    return ranked, ordering


KNOWN_CODES = {
    field: select(model.code).where(model.code.in_(bindparam("codes", expanding=True)))
    for field, model in (("category", Category), ("purpose", Purpose))
}


def _check_codes(session: Session, *, categories, purposes, free_of) -> None:
    """Unknown codes are a mistake worth telling, not a filter that silently matches nothing."""
    errors: dict[str, list[str]] = {}
    for field, codes in (("category", categories), ("purpose", purposes)):
        if codes:
            known = set(session.scalars(KNOWN_CODES[field], {"codes": codes}))
            unknown = [c for c in codes if c not in known]
            if unknown:
                errors[field] = [f"Unknown {field} code: {', '.join(unknown)}."]
    if free_of:
        unknown = allergens_service.unknown_codes(session, codes=free_of)
        if unknown:
            errors["free_of"] = [f"Unknown allergen code: {', '.join(unknown)}."]
    if errors:
        raise Invalid("The request's parameters are not valid.", errors={"query": errors})
