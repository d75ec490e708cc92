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
