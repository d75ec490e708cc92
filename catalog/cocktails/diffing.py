"""What changed between two versions: components added, removed and changed, and the other fields changed."""

from catalog.cocktails.models import CocktailComponent, CocktailVersion, Technique

VERSION_FIELDS = ("technique", "indication", "sessions", "weeks_between_sessions", "notes")


def _component_view(component: CocktailComponent) -> dict:
    item = component.ingredient if component.ingredient is not None else component.product
    view = {
        "ingredient": {"slug": item.slug, "name": item.name},
        "concentration": component.concentration,
        "unit": component.unit,
        "volume_ml": component.volume_ml,
    }
    if component.product is not None:
        view["ingredient"] = None
        view["product"] = {"slug": item.slug, "name": item.name}
    return view


def diff(old: CocktailVersion, new: CocktailVersion) -> dict:
    """Components added, removed and changed, and the version's other fields that changed."""
    before = {c.key: c for c in old.components}
    after = {c.key: c for c in new.components}
    changed = []
    for slug, component in after.items():
        if slug not in before:
            continue
        old_view, new_view = _component_view(before[slug]), _component_view(component)
        changes = [
            {"field": field, "from": old_view[field], "to": new_view[field]}
            for field in ("concentration", "unit", "volume_ml")
            if old_view[field] != new_view[field]
        ]
        if changes:
            entry = {"ingredient": new_view["ingredient"], "unit": new_view["unit"], "changes": changes}
            if "product" in new_view:
                entry["product"] = new_view["product"]
            changed.append(entry)
    fields = []
    for field in VERSION_FIELDS:
        old_value, new_value = getattr(old, field), getattr(new, field)
        if old_value != new_value:
            fields.append({"field": field, "from": _plain(old_value), "to": _plain(new_value)})
    return {
        "cocktail_id": new.cocktail_id,
        "from_": old.number,
        "to": new.number,
        "added": [_component_view(c) for slug, c in after.items() if slug not in before],
        "removed": [_component_view(c) for slug, c in before.items() if slug not in after],
        "changed": changed,
        "fields_changed": fields,
    }


def _plain(value):
    return value.value if isinstance(value, Technique) else value


def audit_changes(summary: dict) -> list[dict]:
    """A diff as audit trail changes: which components came, went or changed (their values stay in the versions)."""
    return [
        *({"field": _audit_field(c), "from": None, "to": "added"} for c in summary["added"]),
        *({"field": _audit_field(c), "from": "present", "to": None} for c in summary["removed"]),
        *({"field": _audit_field(c)} for c in summary["changed"]),
    ]


def _audit_field(view: dict) -> str:
    if view.get("product"):
        return f"component:product:{view['product']['slug']}"
    return f"component:{view['ingredient']['slug']}"
