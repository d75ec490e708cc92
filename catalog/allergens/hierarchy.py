"""The allergen tree in memory: groups above a code, members below it.

Each allergen is shown under one group (its parent) and may also sit in others (`also_in`):
`parents` holds them all, and `ancestors_of` follows every one of them.

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
    # The words an allergy to it is commonly written with, in English and French ("bee sting", "abeille").
    synonyms: tuple[str, ...] = ()
    children: list["AllergenNode"] = field(default_factory=list)
    # Every group it sits in directly: its parent first, then its other groups (resolved by the hierarchy).
    parents: list["AllergenNode"] = field(default_factory=list, repr=False, compare=False)


class AllergenHierarchy:
    def __init__(self, nodes: Iterable[AllergenNode], also_in: dict[str, list[str]] | None = None):
        """`also_in`: for an allergen code, the codes of the groups it sits in besides its parent."""
        self.nodes: dict[str, AllergenNode] = {node.code: node for node in nodes}
        for node in sorted(self.nodes.values(), key=lambda n: (n.position, n.name.casefold())):
            if node.parent_code in self.nodes:
                self.nodes[node.parent_code].children.append(node)
        # Members through any group they sit in, as the check reaches them: polysorbate 80 is in PEG too.
        self._members: dict[str, list[str]] = {}
        for node in self.nodes.values():
            codes = dict.fromkeys((node.parent_code, *sorted((also_in or {}).get(node.code, ()))))
            node.parents = [self.nodes[code] for code in codes if code in self.nodes]
            for parent in node.parents:
                self._members.setdefault(parent.code, []).append(node.code)
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

    def ancestors_of(self, code: str) -> list[AllergenNode]:
        """Every group above `code` through any of its parents, each after the groups above it (broadest first)."""
        ordered: dict[str, AllergenNode] = {}

        def climb(node: AllergenNode, seen: frozenset[str]) -> None:
            for parent in node.parents:
                if parent.code not in ordered and parent.code not in seen:
                    climb(parent, seen | {parent.code})
                    ordered[parent.code] = parent

        node = self.nodes.get(code)
        if node is not None:
            climb(node, frozenset({code}))
        return list(ordered.values())

    def with_members(self, codes: Iterable[str]) -> set[str]:
        """The codes given plus every allergen below them, through any of the groups it sits in."""
        result: set[str] = set()
        pending = [code for code in codes if code in self.nodes]
        while pending:
            code = pending.pop()
            if code in result:
                continue
            result.add(code)
            pending.extend(self._members.get(code, ()))
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
        """Allergens whose name, code, synonyms or group names contain every word of `text`, in tree order."""
        words = fold(text).split()
        matches = []
        for node in self.in_tree_order():
            names = " ".join(fold(n.name) + " " + n.code for n in self.path(node.code))
            haystack = " ".join((names, *(fold(synonym) for synonym in node.synonyms)))
            if all(word in haystack for word in words):
                matches.append(node)
                if len(matches) == limit:
                    break
        return matches
