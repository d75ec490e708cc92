"""One allergen with its groups, members and flagged ingredients, for the API and the page.

The flagged ingredients belong to the ingredients domain; only this module and
the HTTP layer join the two, so the services keep one direction (allergens ← ingredients).
"""

from sqlalchemy.orm import Session

from catalog.allergens import service
from catalog.ingredients import service as ingredients_service


def allergen_detail(session: Session, *, code: str) -> dict:
    hierarchy = service.load_hierarchy(session)
    node = service.get_node(hierarchy, code=code)
    return {
        "code": node.code,
        "name": node.name,
        "description": node.description,
        "parent_code": node.parent_code,
        "children": node.children,
        "groups": hierarchy.groups_of(code),
        "ingredients": ingredients_service.ingredients_flagged_with(session, hierarchy=hierarchy, code=code),
    }
