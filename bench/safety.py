"""The safety check in-process: 15 components (some drawn from products with excipients) against
20 allergy records and 5 conditions, through the catalogue's allergen graph; checks per second.

Target: at least 20,000 checks a second on one core. Run alone with `python -m bench.safety`;
`make bench` runs it first. The inputs are built once (as a request builds them once) and checked
again and again, so the figure is the cost of `check_composition` itself.
"""

import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from catalog.safety import (
    AllergenFlag,
    AllergyFacts,
    Component,
    IngredientFacts,
    PatientProfile,
    Term,
    check_composition,
)
from catalog.safety.graph import AllergenGraph, AllergenNode, CrossReaction
from catalog.safety.types import DoseLimit, Grade

TARGET_PER_SECOND = 20_000
COMPONENTS = 15
RECORDS = 20
CONDITIONS = 5


def hierarchy(rng: random.Random) -> dict[str, tuple[Term, ...]]:
    """Twelve groups, each with four members, some members with two sub-members: like the real tree."""
    paths: dict[str, tuple[Term, ...]] = {}
    for g in range(12):
        group = Term(f"group-{g}", f"Group {g}")
        paths[group.code] = (group,)
        for m in range(4):
            member = Term(f"member-{g}-{m}", f"Member {g}.{m}")
            paths[member.code] = (group, member)
            if rng.random() < 0.3:
                for s in range(2):
                    sub = Term(f"sub-{g}-{m}-{s}", f"Sub {g}.{m}.{s}")
                    paths[sub.code] = (group, member, sub)
    return paths


def graph_of(paths: dict[str, tuple[Term, ...]], rng: random.Random) -> AllergenGraph:
    """The tree, with every third group's members cross-reacting, a second group for some members, and links."""
    nodes = []
    for code, path in paths.items():
        parents = (path[-2].code,) if len(path) > 1 else ()
        if len(path) == 2 and rng.random() < 0.1:
            parents = (*parents, f"group-{rng.randrange(12)}")
        grade = Grade.ESTABLISHED if len(path) == 1 and int(code.split("-")[1]) % 3 == 0 else None
        nodes.append(AllergenNode(code, path[-1].name, tuple(dict.fromkeys(parents)), grade))
    codes = sorted(paths)
    links = [CrossReaction(rng.choice(codes), rng.choice(codes), rng.choice(list(Grade))) for _ in range(10)]
    return AllergenGraph(nodes, [link for link in links if link.first != link.second])


def build_inputs(seed: int = 7, *, worst: bool = False) -> tuple[list[Component], PatientProfile, AllergenGraph]:
    """A typical check (most concentrations in range, a few records reaching the cocktail),
    or with `worst` one where most concentrations are out of range and findings pile up."""
    rng = random.Random(seed)
    paths = hierarchy(rng)
    graph = graph_of(paths, rng)
    codes = sorted(paths)
    conditions = [Term(f"condition-{i}", f"Condition {i}") for i in range(10)]

    def flag(code: str) -> AllergenFlag:
        return AllergenFlag(code, paths[code][-1].name, paths[code])

    slugs = [f"ingredient-{i}" for i in range(COMPONENTS)]
    components = []
    for index, slug in enumerate(slugs):
        partners = rng.sample([s for s in slugs if s != slug], 1) if rng.random() < 0.2 else []
        ingredient = IngredientFacts(
            slug=slug,
            name=f"Ingredient {index} extract",
            origin="synthetic",
            allergens=tuple(flag(code) for code in rng.sample(codes, rng.randint(0, 3))),
            contraindications=tuple(rng.sample(conditions, rng.randint(0, 2))),
            aliases=(f"INCI {index}", f"synonym {index}"),
            unit="%",
            usual_min=0.1,
            usual_max=2.0,
            maximum=5.0,
            incompatibilities=tuple((partner, "Unstable together.") for partner in partners),
            dose_limits=(DoseLimit(4.5, 300, source="label"),) if index % 5 == 0 else (),
            reviewed=index % 2 == 0,
        )
        in_range = [0.5, 1.0, 1.5]
        concentrations = [0.05, 0.5, 1.0, 3.0, 6.0] if worst else in_range * 6 + [3.0, 6.0]
        # Every third component is an excipient drawn with a product (a multi-dose vial's preservative).
        product = Term(f"product-{index // 3}", f"Product {index // 3}") if index % 3 == 0 else None
        components.append(Component(ingredient, rng.choice(concentrations), "%", rng.choice([1.0, 2.0]), product))
    records = []
    for record_id in range(1, RECORDS + 1):
        coded = record_id > 2
        records.append(
            AllergyFacts(
                id=record_id,
                criticality=rng.choice(["low", "high", "unable-to-assess"]),
                clinical_status=rng.choice(["active", "active", "inactive", "resolved"]),
                verification_status=rng.choice(["confirmed", "unconfirmed", "refuted", "entered-in-error"]),
                allergen=flag(rng.choice(codes)) if coded else None,
                text=None if coded else rng.choice(["extract of something", "plaster adhesive"]),
                reaction_severity=rng.choice([None, "mild", "severe"]),
                manifestation=rng.choice([None, "urticaria", "anaphylaxis"]),
            )
        )
    chosen = tuple(rng.sample(conditions, CONDITIONS))
    profile = PatientProfile(
        "allergies-recorded",
        tuple(records),
        chosen,
        cautions=((chosen[0], "Caution with any injection."),),
        weight_kg=65.0,
        age_years=41,
    )
    return components, profile, graph


def run(seconds: float = 3.0, *, worst: bool = False) -> dict:
    components, profile, graph = build_inputs(worst=worst)
    result = check_composition(components, profile, graph)
    for _ in range(2_000):  # warm up (the graph keeps what it has worked out, as it does between requests)
        check_composition(components, profile, graph)
    checks, started = 0, time.perf_counter()
    deadline = started + seconds
    while time.perf_counter() < deadline:
        for _ in range(500):
            check_composition(components, profile, graph)
        checks += 500
    elapsed = time.perf_counter() - started
    return {
        "checks_per_second": checks / elapsed,
        "microseconds_per_check": elapsed / checks * 1e6,
        "findings_per_check": len(result.findings),
        "outcome": result.outcome.value,
    }


def report(result: dict, label: str, *, target: bool = True) -> str:
    verdict = ""
    if target:
        verdict = f", target ≥ {TARGET_PER_SECOND:,}/s " + (
            "ok" if result["checks_per_second"] >= TARGET_PER_SECOND else "MISSED"
        )
    return (
        f"safety check ({label}), {COMPONENTS} components x {RECORDS} allergy records x {CONDITIONS} conditions, "
        f"{result['findings_per_check']} findings ({result['outcome']}): "
        f"{result['checks_per_second']:,.0f} checks/s, {result['microseconds_per_check']:.1f} µs each{verdict}"
    )


def main() -> dict:
    typical, worst = run(), run(worst=True)
    print(report(typical, "typical"))
    print(report(worst, "worst case: most concentrations out of range", target=False))
    return {"typical": typical, "worst": worst}


if __name__ == "__main__":
    main()
