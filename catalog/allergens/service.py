"""Reading and writing allergens; the hierarchy is always read whole."""

from blinker import Namespace
from sqlalchemy import bindparam, delete, insert, select
from sqlalchemy.orm import Session

from catalog.allergens.hierarchy import AllergenHierarchy, AllergenNode
from catalog.allergens.models import Allergen, CrossReaction, allergen_groups
from catalog.audit import service as audit
from catalog.core.actors import Actor
from catalog.core.errors import Conflict, Invalid, NotFound
from catalog.safety import graph as safety_graph
from catalog.safety.types import Grade, Term, contains_phrase, significant_words
from catalog.vocabularies import versions
from catalog.vocabularies.models import Source
from catalog.vocabularies.service import upsert_by_code

# Sent with the session when a curator changes an existing allergen (its name, description or group).
allergen_changed = Namespace().signal("allergen-changed")
# Values safe and useful in the audit trail; prose fields are listed by name.
CODED_ALLERGEN_FIELDS = {"parent", "members_cross_react"}


def load_hierarchy(session: Session) -> AllergenHierarchy:
    """The hierarchy, read once per catalogue version (it is never changed once built)."""
    return versions.cached(session, "allergen-hierarchy", lambda: _read_hierarchy(session))


def _read_hierarchy(session: Session) -> AllergenHierarchy:
    # One query: each allergen once per other group it sits in (or once, with none).
    rows = session.execute(
        select(
            Allergen.code,
            Allergen.name,
            Allergen.description,
            Allergen.parent_code,
            Allergen.position,
            Allergen.synonyms,
            allergen_groups.c.group_code,
        ).outerjoin(allergen_groups, allergen_groups.c.allergen_code == Allergen.code)
    )
    nodes: dict[str, AllergenNode] = {}
    also_in: dict[str, list[str]] = {}
    for *columns, synonyms, group in rows:
        nodes.setdefault(columns[0], AllergenNode(*columns, synonyms=tuple(synonyms or ())))
        if group is not None:
            also_in.setdefault(columns[0], []).append(group)
    return AllergenHierarchy(nodes.values(), also_in)


def get_node(hierarchy: AllergenHierarchy, *, code: str) -> AllergenNode:
    node = hierarchy.get(code)
    if node is None:
        raise NotFound(f"No allergen has the code {code!r}.")
    return node


def unknown_codes(session: Session, *, codes: list[str]) -> list[str]:
    """The codes in `codes` that name no allergen, in the order given."""
    if not codes:
        return []
    known = set(session.scalars(_KNOWN_CODES, {"codes": codes}))
    return [code for code in codes if code not in known]


_KNOWN_CODES = select(Allergen.code).where(Allergen.code.in_(bindparam("codes", expanding=True)))


def upsert_allergens(session: Session, *, entries: list[dict], whole_list: bool = True) -> dict[str, int]:
    """Create or update allergens (validated by AllergenCreateSchema), groups before their members.

    The groups may not loop, whichever way an allergen belongs to them (its parent or `also_in`).
    """
    known = set(session.scalars(select(Allergen.code))) | {entry["code"] for entry in entries}
    sources = set(session.scalars(select(Source.code)))
    rows = []
    for entry in entries:
        _check_references(entry, known, sources)
        rows.append(
            {
                "code": entry["code"],
                "name": entry["name"],
                "description": entry["description"],
                "parent_code": entry.get("parent"),
                "synonyms": list(entry.get("synonyms") or []),
                "members_cross_react": entry.get("members_cross_react"),
                "cross_reactivity_source": entry.get("cross_reactivity_source"),
            }
        )
    statuses: dict[str, str] = {}
    counts = upsert_by_code(session, model=Allergen, entries=rows, whole_list=whole_list, statuses=statuses)
    regrouped = _replace_groups(session, entries)
    for code in regrouped:
        if statuses[code] == "unchanged":  # only its other groups changed
            counts["unchanged"] -= 1
            counts["updated"] += 1
    written = {code for code, status in statuses.items() if status != "unchanged"} | set(regrouped)
    if written:
        # What a curator's review is compared with: an edit after the review shows as a change.
        session.flush()
        inputs = current_inputs(session)
        for allergen in session.scalars(select(Allergen).where(Allergen.code.in_(written))):
            allergen.store_content(inputs[allergen.code])
    try:
        load_graph(session)
    except safety_graph.GraphCycle as error:
        raise Invalid(
            f"Allergen {error.cycle[0]!r} would sit below itself ({' → '.join(error.cycle)}).",
            errors={"parent": ["The hierarchy may not loop."]},
        ) from error
    return counts


def _check_references(entry: dict, known: set[str], sources: set[str]) -> None:
    for field, codes in (("parent", [entry.get("parent")]), ("also_in", entry.get("also_in") or [])):
        unknown = [code for code in codes if code is not None and code not in known]
        if unknown:
            raise Invalid(
                f"Allergen {entry['code']!r} names an unknown group.",
                errors={field: [f"Unknown allergen code {', '.join(map(repr, unknown))}."]},
            )
    source = entry.get("cross_reactivity_source")
    if source is not None and source not in sources:
        raise Invalid(
            f"Allergen {entry['code']!r} cites an unknown source.",
            errors={"cross_reactivity_source": [f"Unknown source code {source!r}."]},
        )


def _replace_groups(session: Session, entries: list[dict]) -> list[str]:
    """Set each entry's other groups; the codes whose groups changed."""
    codes = [entry["code"] for entry in entries]
    stored: dict[str, set[str]] = {code: set() for code in codes}
    for allergen, group in session.execute(
        select(allergen_groups.c.allergen_code, allergen_groups.c.group_code).where(
            allergen_groups.c.allergen_code.in_(codes)
        )
    ):
        stored[allergen].add(group)
    wanted = {entry["code"]: set(entry.get("also_in") or []) for entry in entries}
    changed = [code for code in codes if stored[code] != wanted[code]]
    if changed:
        versions.bump(session)  # association rows are written past the ORM, which would not notice
        session.execute(delete(allergen_groups).where(allergen_groups.c.allergen_code.in_(changed)))
        rows = [{"allergen_code": code, "group_code": group} for code in changed for group in sorted(wanted[code])]
        if rows:
            session.execute(insert(allergen_groups), rows)
    return changed


def upsert_cross_reactions(session: Session, *, entries: list[dict]) -> dict[str, int]:
    """Make the stored cross-reactivity links exactly these (validated by CrossReactionInputSchema)."""
    known = set(session.scalars(select(Allergen.code)))
    sources = set(session.scalars(select(Source.code)))
    wanted: dict[tuple[str, str], dict] = {}
    for entry in entries:
        first, second = sorted(entry["between"])
        unknown = [code for code in (first, second) if code not in known]
        if unknown:
            raise Invalid(
                "A cross-reaction names an unknown allergen.", errors={"between": [f"Unknown: {', '.join(unknown)}."]}
            )
        if entry["source"] not in sources:
            raise Invalid(
                "A cross-reaction cites an unknown source.", errors={"source": [f"Unknown: {entry['source']}."]}
            )
        if (first, second) in wanted:
            raise Invalid("A cross-reaction is listed twice.", errors={"between": [f"{first} and {second} twice."]})
        wanted[(first, second)] = {
            "grade": entry["grade"],
            "source_code": entry["source"],
            "supports": entry["supports"],
        }
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    stored = {(link.first_code, link.second_code): link for link in session.scalars(select(CrossReaction))}
    for pair, link in stored.items():
        if pair not in wanted:
            session.delete(link)
            counts["updated"] += 1
    for (first, second), values in wanted.items():
        link = stored.get((first, second))
        if link is None:
            session.add(CrossReaction(first_code=first, second_code=second, **values))
            counts["created"] += 1
        elif any(getattr(link, key) != value for key, value in values.items()):
            for key, value in values.items():
                setattr(link, key, value)
            counts["updated"] += 1
        else:
            counts["unchanged"] += 1
    session.flush()
    return counts


def load_graph(session: Session) -> safety_graph.AllergenGraph:
    """The allergen graph the safety check reasons over, built once per catalogue version."""
    return versions.cached(session, "allergen-graph", lambda: _read_graph(session))


def _read_graph(session: Session) -> safety_graph.AllergenGraph:
    """Every group of each allergen, and the links."""
    titles = dict(session.execute(select(Source.code, Source.title)).all())
    also_in: dict[str, list[str]] = {}
    for allergen, group in session.execute(select(allergen_groups.c.allergen_code, allergen_groups.c.group_code)):
        also_in.setdefault(allergen, []).append(group)

    def source(code: str | None) -> Term | None:
        return Term(code, titles.get(code, code)) if code else None

    nodes = [
        safety_graph.AllergenNode(
            row.code,
            row.name,
            tuple(dict.fromkeys(filter(None, (row.parent_code, *sorted(also_in.get(row.code, ())))))),
            Grade(row.members_cross_react) if row.members_cross_react else None,
            source(row.cross_reactivity_source),
        )
        for row in session.execute(
            select(
                Allergen.code,
                Allergen.name,
                Allergen.parent_code,
                Allergen.members_cross_react,
                Allergen.cross_reactivity_source,
            )
        )
    ]
    links = [
        safety_graph.CrossReaction(link.first_code, link.second_code, Grade(link.grade), source(link.source_code))
        for link in session.scalars(select(CrossReaction).order_by(CrossReaction.first_code, CrossReaction.second_code))
    ]
    return safety_graph.AllergenGraph(nodes, links)


def suggest(session: Session, *, text: str, limit: int = 5) -> list[dict]:
    """Coded allergens a free-text allergy probably means, best first, each with the words that matched.

    Whole names and synonyms only ("sulfa" is sulfonamide antibiotics, never sulfites); generic
    words (acid, sodium, extract…) never make a match on their own.
    """
    words = significant_words(text)
    if not words:
        return []
    found: list[tuple[int, str, str, str]] = []
    for code, name, synonyms in session.execute(select(Allergen.code, Allergen.name, Allergen.synonyms)):
        for label in (name, *(synonyms or [])):
            phrase = significant_words(label)
            if phrase and contains_phrase(words, phrase):
                found.append((-len(phrase), name.casefold(), code, label))
                break
    found.sort()
    names = dict(session.execute(select(Allergen.code, Allergen.name)).all())
    return [{"code": code, "name": names[code], "matched": label} for _, _, code, label in found[:limit]]


def relations_of(session: Session, *, code: str) -> dict:
    """An allergen's other groups, synonyms, whether its members cross-react, and its cross-reactions."""
    allergen = session.get(Allergen, code)
    if allergen is None:
        raise NotFound(f"No allergen has the code {code!r}.")
    names = dict(session.execute(select(Allergen.code, Allergen.name)).all())
    titles = dict(session.execute(select(Source.code, Source.title)).all())
    groups = session.scalars(select(allergen_groups.c.group_code).where(allergen_groups.c.allergen_code == code))
    links = session.scalars(
        select(CrossReaction).where((CrossReaction.first_code == code) | (CrossReaction.second_code == code))
    )
    return {
        "review": allergen.review_view(),
        "also_in": [{"code": group, "name": names[group]} for group in sorted(groups)],
        "synonyms": list(allergen.synonyms or []),
        "members_cross_react": allergen.members_cross_react.value if allergen.members_cross_react else None,
        "cross_reactivity_source": {"code": code_, "name": titles.get(code_, code_)}
        if (code_ := allergen.cross_reactivity_source)
        else None,
        "cross_reactions": [
            {
                "allergen": {"code": other, "name": names[other]},
                "grade": link.grade.value,
                "source": {"code": link.source_code, "name": titles.get(link.source_code, link.source_code)},
                "supports": link.supports,
            }
            for link in links
            for other in [link.second_code if link.first_code == code else link.first_code]
        ],
    }


def save_allergen(session: Session, *, actor: Actor, entry: dict, create: bool) -> Allergen:
    """Create or replace an allergen; ingredient records showing its name or groups are refreshed."""
    allergen = session.get(Allergen, entry["code"])
    if create and allergen is not None:
        raise Conflict("An allergen with this code exists; PUT to its URL to change it.", errors={"code": ["Taken."]})
    if not create and allergen is None:
        raise NotFound(f"No allergen has the code {entry['code']!r}.")
    before = _allergen_view(allergen) if allergen is not None else {}
    counts = upsert_allergens(session, entries=[entry], whole_list=False)
    session.expire_all()
    allergen = session.get(Allergen, entry["code"])
    if counts["updated"]:
        # Whatever shows allergen names or groups (ingredient documents) refreshes in this transaction.
        allergen_changed.send(session)
    after = _allergen_view(allergen)
    audit.record_edit(
        session,
        actor=actor,
        kind="allergen",
        key=allergen.code,
        before=before,
        after=after,
        coded=CODED_ALLERGEN_FIELDS,
        created=create,
    )
    return allergen


def _allergen_view(allergen: Allergen) -> dict:
    return {
        "name": allergen.name,
        "description": allergen.description,
        "parent": allergen.parent_code,
        "synonyms": list(allergen.synonyms or []),
        "members_cross_react": allergen.members_cross_react.value if allergen.members_cross_react else None,
    }


def review_allergen(session: Session, *, actor: Actor, code: str, sources: list[str]) -> None:
    """A curator's review of the allergen as stored now (its place in the graph, synonyms, cross-reactivity)."""
    allergen = session.get(Allergen, code)
    if allergen is None:
        raise NotFound(f"No allergen has the code {code!r}.")
    links = session.scalars(
        select(CrossReaction.source_code).where(
            (CrossReaction.first_code == code) | (CrossReaction.second_code == code)
        )
    )
    cited = set(filter(None, (allergen.cross_reactivity_source, *links)))
    allergen.mark_reviewed(actor=actor, content=current_inputs(session)[code], sources=sources, cited=cited)
    audit.record_review(session, actor=actor, kind="allergen", key=code, sources=sources)
    session.flush()


def current_inputs(session: Session) -> dict[str, dict]:
    """Every stored allergen as AllergenCreateSchema input, by code (to tell curated edits from the seed's)."""
    also_in: dict[str, list[str]] = {}
    for allergen, group in session.execute(select(allergen_groups.c.allergen_code, allergen_groups.c.group_code)):
        also_in.setdefault(allergen, []).append(group)
    return {
        a.code: comparable(
            {
                "code": a.code,
                "name": a.name,
                "description": a.description,
                "parent": a.parent_code,
                "also_in": also_in.get(a.code, []),
                "synonyms": list(a.synonyms or []),
                "members_cross_react": a.members_cross_react.value if a.members_cross_react else None,
                "cross_reactivity_source": a.cross_reactivity_source,
            }
        )
        for a in session.scalars(select(Allergen).order_by(Allergen.position, Allergen.code))
    }


def comparable(entry: dict) -> dict:
    """A loaded entry in the shape `current_inputs` gives (other groups in any order)."""
    return {**entry, "also_in": sorted(entry.get("also_in") or [])}


def cross_reaction_inputs(session: Session) -> list[dict]:
    """The stored cross-reactivity links as cross_reactions.yaml gives them."""
    links = session.scalars(select(CrossReaction).order_by(CrossReaction.first_code, CrossReaction.second_code))
    return [
        {
            "between": [link.first_code, link.second_code],
            "grade": link.grade.value,
            "source": link.source_code,
            "supports": link.supports,
        }
        for link in links
    ]
