"""Writing the allergen hierarchy: parents must exist and the tree may not loop."""

import pytest

from catalog.allergens import service
from catalog.allergens.hierarchy import AllergenHierarchy, AllergenNode
from catalog.core.errors import Invalid


def entry(code, parent=None):
    return {"code": code, "name": code.title(), "description": "", "parent": parent}


def test_unknown_parent_is_refused(db_session):
    with pytest.raises(Invalid) as error:
        service.upsert_allergens(db_session, entries=[entry("orphan", parent="no-such-group")])
    assert "parent" in error.value.errors


def test_a_loop_is_refused(db_session):
    service.upsert_allergens(db_session, entries=[entry("loop-a"), entry("loop-b", parent="loop-a")])
    with pytest.raises(Invalid, match="below itself"):
        service.upsert_allergens(db_session, entries=[entry("loop-a", parent="loop-b")])


def test_members_of_a_group_include_every_level():
    hierarchy = AllergenHierarchy(
        [
            AllergenNode("top", "Top", "", None),
            AllergenNode("middle", "Middle", "", "top"),
            AllergenNode("leaf", "Leaf", "", "middle"),
            AllergenNode("other", "Other", "", None),
        ]
    )
    assert hierarchy.with_members(["top"]) == {"top", "middle", "leaf"}
    assert hierarchy.with_members(["middle"]) == {"middle", "leaf"}
    assert [n.code for n in hierarchy.path("leaf")] == ["top", "middle", "leaf"]
    assert [n.code for n in hierarchy.groups_of("leaf")] == ["top", "middle"]
    assert hierarchy.with_members(["unknown"]) == set()
