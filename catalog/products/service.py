"""Reading and writing products; a product's composition is what the check sees of it."""

from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from catalog.audit import service as audit
from catalog.core.actors import Actor
from catalog.core.errors import Conflict, Invalid, NotFound
from catalog.core.paging import Page, paginate
from catalog.core.text import LIKE_ESCAPE, like_fragment
from catalog.ingredients.models import Ingredient
from catalog.products.models import Product, ProductComponent
from catalog.safety import units_fit
from catalog.safety.types import contains_phrase, significant_words
from catalog.vocabularies.models import Source


@dataclass(frozen=True)
class ComponentView:
    ingredient: dict  # {"slug": slug, "name": name}
    role: str
    strength: float
    unit: str


@dataclass(frozen=True)
class ProductView:
    """What ProductSchema dumps and the product page shows."""

    id: int
    slug: str
    name: str
    form: str
    synonyms: list[str]
    description: str
    label: Source
    label_supports: str
    components: list[ComponentView]
    review: dict  # state, reviewed_by, reviewed_at, sources (see catalog.core.review)


def _view(product: Product, label: Source) -> ProductView:
    return ProductView(
        id=product.id,
        slug=product.slug,
        name=product.name,
        form=product.form.value,
        synonyms=list(product.synonyms or []),
        description=product.description,
        label=label,
        label_supports=product.label_supports,
        components=[
            ComponentView({"slug": c.ingredient.slug, "name": c.ingredient.name}, c.role.value, c.strength, c.unit)
            for c in product.components
        ],
        review=product.review_view(),
    )


def _loaded():
    return select(Product).options(selectinload(Product.components))


def get_product(session: Session, *, slug: str) -> ProductView:
    product = session.scalars(_loaded().where(Product.slug == slug)).one_or_none()
    if product is None:
        raise NotFound(f"No product has the slug {slug!r}.")
    return _view(product, session.get(Source, product.label_source))


def search_products(
    session: Session, *, q: str | None = None, ingredient: str | None = None, page: int = 1, page_size: int = 20
) -> Page:
    statement = select(Product).order_by(Product.name, Product.id)
    if q and q.strip():
        pattern = f"%{like_fragment(q.strip())}%"
        statement = statement.where(
            or_(Product.name.ilike(pattern, escape=LIKE_ESCAPE), Product.slug.ilike(pattern, escape=LIKE_ESCAPE))
        )
    if ingredient:
        holding = (
            select(ProductComponent.product_id)
            .join(Ingredient, Ingredient.id == ProductComponent.ingredient_id)
            .where(Ingredient.slug == ingredient)
        )
        statement = statement.where(Product.id.in_(holding))
    return paginate(session, statement, page=page, page_size=page_size)


def product_choices(session: Session) -> list[tuple[str, str]]:
    """Every product as (slug, name), by name: what a form offers to choose from (a few hundred at most)."""
    return [
        (slug, name)
        for slug, name in session.execute(select(Product.slug, Product.name).order_by(Product.name, Product.id))
    ]


def products_by_slug(session: Session, *, slugs: list[str]) -> dict[str, Product]:
    """Products with their components loaded (for composing and checking)."""
    if not slugs:
        return {}
    return {p.slug: p for p in session.scalars(_loaded().where(Product.slug.in_(slugs)))}


def products_named(session: Session, *, words: str) -> list[tuple[Product, str]]:
    """Products a free text names by their whole name or a synonym (as allergens are suggested), with what matched."""
    text = significant_words(words)
    found = []
    for product in session.scalars(select(Product).order_by(Product.name)):
        label = next((n for n in (product.name, *(product.synonyms or [])) if _names(text, n)), None)
        if label is not None:
            found.append((product, label))
    return found


def _names(text: tuple[str, ...], label: str) -> bool:
    phrase = significant_words(label)
    return bool(phrase) and contains_phrase(text, phrase)


# --- Writing ------------------------------------------------------------------------------------


def upsert_products(session: Session, *, entries: list[dict]) -> dict[str, int]:
    """Create or update products validated by ProductCreateSchema; an unchanged one is left alone."""
    ingredients = {i.slug: i for i in session.scalars(select(Ingredient))}
    sources = set(session.scalars(select(Source.code)))
    stored = products_by_slug(session, slugs=[entry["slug"] for entry in entries])
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    for entry in entries:
        _check(entry, ingredients, sources)
        product = stored.get(entry["slug"])
        if product is not None and as_input(product) == entry:
            counts["unchanged"] += 1
            continue
        if product is None:
            product = Product(slug=entry["slug"], components=[])
            session.add(product)
            counts["created"] += 1
        else:
            counts["updated"] += 1
        product.name, product.form, product.synonyms = entry["name"], entry["form"], list(entry["synonyms"])
        product.description, product.label_source = entry["description"], entry["label"]
        product.label_supports = entry["label_supports"]
        product.components.clear()
        session.flush()
        product.components.extend(
            ProductComponent(
                position=position,
                ingredient=ingredients[c["ingredient"]],
                role=c["role"],
                strength=c["strength"],
                unit=c["unit"],
            )
            for position, c in enumerate(entry["components"])
        )
        # What a curator's review is compared with: an edit after the review shows as a change.
        product.store_content(entry)
    session.flush()
    return counts


def _check(entry: dict, ingredients: dict[str, Ingredient], sources: set[str]) -> None:
    errors: dict[str, list[str]] = {}
    if entry["label"] not in sources:
        errors["label"] = [f"Unknown source code {entry['label']!r}."]
    for component in entry["components"]:
        ingredient = ingredients.get(component["ingredient"])
        if ingredient is None:
            errors.setdefault("components", []).append(f"Unknown ingredient {component['ingredient']!r}.")
        elif not units_fit(component["unit"], ingredient.concentration_unit):
            errors.setdefault("components", []).append(
                f"{ingredient.name} is measured in {ingredient.concentration_unit}, not {component['unit']}."
            )
    if errors:
        raise Invalid(f"Product {entry['slug']!r} refers to things that do not exist or do not fit.", errors=errors)


def as_input(product: Product) -> dict:
    """The product in the shape ProductCreateSchema loads."""
    return {
        "slug": product.slug,
        "name": product.name,
        "form": str(product.form),
        "synonyms": list(product.synonyms or []),
        "description": product.description,
        "label": product.label_source,
        "label_supports": product.label_supports,
        "components": [
            {"ingredient": c.ingredient.slug, "role": str(c.role), "strength": c.strength, "unit": c.unit}
            for c in product.components
        ],
    }


def save_product(session: Session, *, actor: Actor, entry: dict, create: bool) -> ProductView:
    """A curator's edit: create (the slug must be new) or replace a product's whole record; audited."""
    stored = products_by_slug(session, slugs=[entry["slug"]]).get(entry["slug"])
    if create and stored is not None:
        raise Conflict("A product with this slug exists; PUT to its URL to change it.", errors={"slug": ["Taken."]})
    if not create and stored is None:
        raise NotFound(f"No product has the slug {entry['slug']!r}.")
    before = as_input(stored) if stored is not None else {}
    upsert_products(session, entries=[entry])
    session.expire_all()
    audit.record_edit(
        session,
        actor=actor,
        kind="product",
        key=entry["slug"],
        before=before,
        after=entry,
        coded={"form", "label"},
        created=create,
    )
    return get_product(session, slug=entry["slug"])


def review_product(session: Session, *, actor: Actor, slug: str, sources: list[str]) -> ProductView:
    """A curator's review of the product as stored now (its composition, against its label); audited."""
    product = products_by_slug(session, slugs=[slug]).get(slug)
    if product is None:
        raise NotFound(f"No product has the slug {slug!r}.")
    product.mark_reviewed(actor=actor, content=as_input(product), sources=sources, cited={product.label_source})
    audit.record_review(session, actor=actor, kind="product", key=slug, sources=sources)
    session.flush()
    return get_product(session, slug=slug)


def current_inputs(session: Session) -> dict[str, dict]:
    """Every stored product as ProductCreateSchema input, by slug (to tell curated edits from the seed's)."""
    return {p.slug: as_input(p) for p in session.scalars(_loaded().order_by(Product.id))}


def comparable(entry: dict) -> dict:
    return entry
