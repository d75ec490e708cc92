"""The allergen tree in memory: groups above a code, members below it.

The whole tree is a few hundred rows at most, so walking it in Python is
cheaper and clearer than recursive SQL, and works the same on every database.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

from catalog.core.text import fold


@dataclass
class AllergenNode:
    code: str
    name: str
    description: str
    parent_code: str | None
    position: int = 0
    children: list["AllergenNode"] = field(default_factory=list)


class AllergenHierarchy:
    def __init__(self, nodes: Iterable[AllergenNode]):
        self.nodes: dict[str, AllergenNode] = {node.code: node for node in nodes}
        for node in sorted(self.nodes.values(), key=lambda n: (n.position, n.name.casefold())):
            if node.parent_code in self.nodes:
                self.nodes[node.parent_code].children.append(node)
        self.roots = sorted(
            (n for n in self.nodes.values() if n.parent_code not in self.nodes),
            key=lambda n: (n.position, n.name.casefold()),
        )

    def __contains__(self, code: str) -> bool:
        return code in self.nodes

    def get(self, code: str) -> AllergenNode | None:
        return self.nodes.get(code)

    def path(self, code: str) -> list[AllergenNode]:
        """The broadest group first, the allergen itself last."""
        chain: list[AllergenNode] = []
        seen: set[str] = set()
        node = self.nodes.get(code)
        while node is not None and node.code not in seen:
            seen.add(node.code)
            chain.append(node)
            node = self.nodes.get(node.parent_code) if node.parent_code else None
        return list(reversed(chain))

    def groups_of(self, code: str) -> list[AllergenNode]:
        """Every group above `code`, broadest first."""
        return self.path(code)[:-1]

    def with_members(self, codes: Iterable[str]) -> set[str]:
        """The codes given plus every allergen below them in the tree."""
        result: set[str] = set()
        pending = [code for code in codes if code in self.nodes]
        while pending:
            code = pending.pop()
            if code in result:
                continue
            result.add(code)
            pending.extend(child.code for child in self.nodes[code].children)
        return result

    def in_tree_order(self) -> list[AllergenNode]:
        """Every node, each group followed by its members (depth first)."""
        ordered: list[AllergenNode] = []
        pending = list(reversed(self.roots))
        while pending:
            node = pending.pop()
            ordered.append(node)
            pending.extend(reversed(node.children))
        return ordered

    def search(self, text: str, *, limit: int = 40) -> list[AllergenNode]:
        """Allergens whose name, code or group names contain every word of `text`, in tree order."""
        words = fold(text).split()
        matches = []
        for node in self.in_tree_order():
            haystack = " ".join(fold(n.name) + " " + n.code for n in self.path(node.code))
            if all(word in haystack for word in words):
                matches.append(node)
                if len(matches) == limit:
                    break
        return matches
