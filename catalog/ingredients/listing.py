"""Searching and filtering the catalogue: one page of ingredients, as stored summaries."""

import json
from dataclasses import dataclass
from functools import cached_property

from sqlalchemy import func, select
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
    matches = _ranked_matches if terms else _listed_matches
    ids, total = matches(session, terms, categories, origins, purposes, excluded, sort, page=page, page_size=page_size)
    summaries = documents.get_summaries(session, ingredient_ids=ids)
    counted_up_to = (page - 1) * page_size + COUNT_AHEAD
    return IngredientPage(
        items=summaries,
        total=min(total, counted_up_to),
        total_exact=total <= counted_up_to,
        page=page,
        page_size=page_size,
    )


ORDERINGS = {
    "name": lambda: [Ingredient.sort_name, Ingredient.id],
    "-name": lambda: [Ingredient.sort_name.desc(), Ingredient.id.desc()],
    "updated": lambda: [Ingredient.updated_at, Ingredient.id],
    "-updated": lambda: [Ingredient.updated_at.desc(), Ingredient.id.desc()],
    "relevance": lambda: [Ingredient.sort_name, Ingredient.id],  # without words, relevance is the name
}


def _filters(ingredient_id, categories, origins, purposes, excluded) -> list:
    """WHERE clauses on an ingredient id column; category and origin need `ingredients` in the FROM.

    Purposes and allergens are probes per candidate row (EXISTS on the link tables' primary keys),
    never a list of every ingredient with the purpose or the allergen: a page walks the list's
    order index and stops once it is full, so its cost follows the filter's selectivity, not the
    catalogue's size.
    """
    clauses = []
    if categories:
        clauses.append(Ingredient.category_code.in_(categories))
    if origins:
        clauses.append(Ingredient.origin.in_(origins))
    if purposes:
        links = ingredient_purposes.c
        clauses.append(select(1).where(links.ingredient_id == ingredient_id, links.purpose_code.in_(purposes)).exists())
    if excluded:
        flags = ingredient_allergens.c
        flagged = select(1).where(flags.ingredient_id == ingredient_id, flags.allergen_code.in_(excluded))
        clauses.append(~flagged.exists())
    return clauses


def _count_ahead(session, matching, *, page: int, page_size: int) -> int:
    """How many rows `matching` gives, counted only up to one more than COUNT_AHEAD past the page's start."""
    limit = (page - 1) * page_size + COUNT_AHEAD + 1
    return session.scalar(select(func.count()).select_from(matching.order_by(None).limit(limit).subquery()))


def _listed_matches(session, _terms, categories, origins, purposes, excluded, sort, *, page, page_size):
    """Ids of one page in the chosen order, and the (capped) total: two indexed queries."""
    matching = select(Ingredient.id).where(*_filters(Ingredient.id, categories, origins, purposes, excluded))
    total = _count_ahead(session, matching, page=page, page_size=page_size)
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
    total = _count_ahead(session, ranked, page=page, page_size=page_size)
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
