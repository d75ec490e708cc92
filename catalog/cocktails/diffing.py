"""What changed between two versions: components added, removed and changed, and the other fields changed."""

from catalog.cocktails.models import CocktailComponent, CocktailVersion, Technique

VERSION_FIELDS = ("technique", "indication", "sessions", "weeks_between_sessions", "notes")


def _component_view(component: CocktailComponent) -> dict:
    return {
        "ingredient": {"slug": component.ingredient.slug, "name": component.ingredient.name},
        "concentration": component.concentration,
        "unit": component.unit,
        "volume_ml": component.volume_ml,
    }


def diff(old: CocktailVersion, new: CocktailVersion) -> dict:
    """Components added, removed and changed, and the version's other fields that changed."""
    before = {c.ingredient.slug: c for c in old.components}
    after = {c.ingredient.slug: c for c in new.components}
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
            changed.append({"ingredient": new_view["ingredient"], "unit": new_view["unit"], "changes": changes})
    fields = []
    for field in VERSION_FIELDS:
        old_value, new_value = getattr(old, field), getattr(new, field)
        if old_value != new_value:
            fields.append({"field": field, "from": _plain(old_value), "to": _plain(new_value)})
    return {
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
        *({"field": f"component:{c['ingredient']['slug']}", "from": None, "to": "added"} for c in summary["added"]),
        *({"field": f"component:{c['ingredient']['slug']}", "from": "present", "to": None} for c in summary["removed"]),
        *({"field": f"component:{c['ingredient']['slug']}"} for c in summary["changed"]),
    ]
