"""The allergen graph: groups with several parents, groups whose members cross-react, and graded links.

A strict tree only finds an allergy to the same allergen, to one of its groups or to one of its
members. Clinically, cross-reactions also run between siblings (arnica and chamomile through the
Asteraceae's sesquiterpene lactones) and across groups (bee venom and animal hyaluronidase). The
graph answers, for an allergy recorded against one allergen, every allergen flag it reaches and
how: the relation, the path from the flag to the allergy's allergen, and for a cross-reaction its
grade and source. Answers are computed once per recorded allergen and kept: the graph is built
when the catalogue is read and lives as long as it is current.
"""

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import pairwise

from catalog.safety.types import Grade, Reach, Relation, Term


class GraphCycle(ValueError):
    """An allergen would sit below itself; the catalogue refuses such data when it is loaded."""

    def __init__(self, cycle: list[str]):
        super().__init__(f"The allergen groups loop: {' → '.join(cycle)}.")
        self.cycle = cycle


@dataclass(frozen=True, slots=True)
class AllergenNode:
    code: str
    name: str
    # Every group this allergen belongs to (polysorbate 80: polysorbates and PEG).
    parents: tuple[str, ...] = ()
    # Whether this group's members cross-react with each other, and how well that is known.
    members_cross_react: Grade | None = None
    # The source saying the members cross-react.
    source: Term | None = None


@dataclass(frozen=True, slots=True)
class CrossReaction:
    """A cross-reactivity link between two allergens (or groups), with its grade and its source."""

    first: str
    second: str
    grade: Grade
    source: Term | None = None


@dataclass(frozen=True, slots=True)
class Match:
    """How an allergy to one allergen reaches an ingredient's allergen flag."""

    relation: Relation
    # From the flag to the allergy's allergen, each step an allergen or group.
    path: tuple[Term, ...]
    # For cross-reactions (siblings or links): how well established, and who says so.
    grade: Grade | None = None
    source: Term | None = None
    # How each step of `path` is reached from the one before (the first is the flag itself).
    steps: tuple[Reach, ...] = ()
    # Graded like a direct match: the same allergen, a group or member, or an established cross-reaction.
    established: bool = field(init=False, compare=False)
    # Between two ways one record reaches one ingredient, the lower explains the finding:
    # established before reported, then by relation (the same allergen first).
    strength: int = field(init=False, compare=False)

    def __post_init__(self):
        established = self.grade is None or self.grade is Grade.ESTABLISHED
        object.__setattr__(self, "established", established)
        unproven = 0 if established else len(_RELATION_ORDER)
        object.__setattr__(self, "strength", unproven + _RELATION_ORDER[self.relation])


_RELATION_ORDER = {relation: rank for rank, relation in enumerate(Relation)}


# Preference between two ways of reaching the same flag: direct relations first, then the
# better-known cross-reaction, then the shorter path.
INDEX_CACHE_SIZE = 4096
RELATION_RANK = {Relation.SAME: 0, Relation.GROUP: 1, Relation.MEMBER: 2, Relation.SIBLING: 3, Relation.LINK: 4}


def _preference(match: Match) -> tuple:
    return (0 if match.established else 1, RELATION_RANK[match.relation], len(match.path))


class AllergenGraph:
    def __init__(self, nodes: Iterable[AllergenNode], links: Iterable[CrossReaction] = ()):
        self.nodes: dict[str, AllergenNode] = {node.code: node for node in nodes}
        self.terms = {code: Term(code, node.name) for code, node in self.nodes.items()}
        self.links = tuple(link for link in links if link.first in self.nodes and link.second in self.nodes)
        self._refuse_cycles()
        # code -> {ancestor: path of codes from code up to the ancestor}, nearest first.
        self._up: dict[str, dict[str, tuple[str, ...]]] = {code: self._ancestors(code) for code in self.nodes}
        self._by_record: dict[str, dict[str, Match]] = {}
        self._indexes: dict[frozenset[str], dict[str, tuple[tuple[str, Match], ...]]] = {}

    @classmethod
    def from_paths(cls, paths: Iterable[tuple[Term, ...]]) -> "AllergenGraph":
        """A plain tree from the group paths of flags and records (what a caller without the graph has)."""
        nodes: dict[str, AllergenNode] = {}
        for path in paths:
            for index, term in enumerate(path):
                parent = (path[index - 1].code,) if index else ()
                known = nodes.get(term.code)
                parents = tuple(dict.fromkeys((*known.parents, *parent))) if known else parent
                nodes[term.code] = AllergenNode(term.code, term.name, parents)
        return cls(nodes.values())

    def _refuse_cycles(self) -> None:
        state: dict[str, int] = {}  # 1: on the current path, 2: done
        for start in self.nodes:
            if state.get(start):
                continue
            stack: list[tuple[str, Iterable[str]]] = [(start, iter(self.nodes[start].parents))]
            state[start] = 1
            while stack:
                code, parents = stack[-1]
                parent = next((p for p in parents if p in self.nodes), None)
                if parent is None:
                    state[code] = 2
                    stack.pop()
                elif state.get(parent) == 1:
                    cycle = [entry[0] for entry in stack]
                    raise GraphCycle([*cycle[cycle.index(parent) :], parent])
                elif not state.get(parent):
                    state[parent] = 1
                    stack.append((parent, iter(self.nodes[parent].parents)))

    def _ancestors(self, code: str) -> dict[str, tuple[str, ...]]:
        """Breadth first, so each ancestor comes with the shortest path up to it."""
        found = {code: (code,)}
        pending = deque([code])
        while pending:
            current = pending.popleft()
            for parent in self.nodes[current].parents:
                if parent in self.nodes and parent not in found:
                    found[parent] = (*found[current], parent)
                    pending.append(parent)
        return found

    def path_to_root(self, code: str) -> tuple[Term, ...]:
        """The broadest group first and the allergen last, along the first parent of each."""
        chain = [code]
        while self.nodes[chain[-1]].parents and self.nodes[chain[-1]].parents[0] in self.nodes:
            chain.append(self.nodes[chain[-1]].parents[0])
        return tuple(self.terms[c] for c in reversed(chain))

    # --- Matching ----------------------------------------------------------------------------

    def index_for(self, recorded: frozenset[str]) -> dict[str, tuple[tuple[str, Match], ...]]:
        """For a patient's recorded allergens: each flag they reach, with which of them and how.

        Kept per set of recorded allergens (a patient checked again, as the composer does on every
        change, finds it ready); the cache is bounded and starts afresh when full.
        """
        index = self._indexes.get(recorded)
        if index is None:
            gathered: dict[str, list[tuple[str, Match]]] = {}
            for record in sorted(recorded):
                for flag, match in self._matches_of(record).items():
                    gathered.setdefault(flag, []).append((record, match))
            index = {flag: tuple(entries) for flag, entries in gathered.items()}
            if len(self._indexes) >= INDEX_CACHE_SIZE:
                self._indexes.clear()
            self._indexes[recorded] = index
        return index

    def _matches_of(self, record: str) -> dict[str, Match]:
        """Every flag an allergy recorded against `record` reaches, with how (worked out once, then kept)."""
        found = self._by_record.get(record)
        if found is None:
            found = {}
            for flag in self.nodes:
                match = self.match(record, flag)
                if match is not None:
                    found[flag] = match
            self._by_record[record] = found
        return found

    def match(self, record: str, flag: str) -> Match | None:
        """How an allergy recorded against `record` reaches an ingredient flagged `flag`, or None."""
        if record not in self.nodes or flag not in self.nodes:
            return None
        up_flag, up_record = self._up[flag], self._up[record]
        if record in up_flag:  # the same allergen, or an allergy to one of the flag's groups
            relation = Relation.SAME if record == flag else Relation.GROUP
            return self._match(relation, up_flag[record])
        if flag in up_record:  # an allergy to a member of the group the ingredient is flagged with
            return self._match(Relation.MEMBER, tuple(reversed(up_record[flag])))
        candidates = [m for m in (self._sibling(up_flag, up_record), *self._linked(record, flag)) if m]
        return min(candidates, key=_preference) if candidates else None

    def _sibling(self, up_flag, up_record) -> Match | None:
        best = None
        for group in up_flag.keys() & up_record.keys():
            node = self.nodes[group]
            if node.members_cross_react is None:
                continue
            codes = (*up_flag[group], *reversed(up_record[group][:-1]))
            match = self._match(Relation.SIBLING, codes, node.members_cross_react, node.source)
            if best is None or _preference(match) < _preference(best):
                best = match
        return best

    def _linked(self, record: str, flag: str) -> list[Match]:
        """Links between anything the record covers (itself, its groups, its members) and the flag's."""
        matches = []
        for link in self.links:
            for near_flag, near_record in ((link.first, link.second), (link.second, link.first)):
                to_link = self._route(flag, near_flag)
                from_link = self._route(near_record, record)
                if to_link is not None and from_link is not None:
                    codes = (*to_link, *from_link)
                    matches.append(self._match(Relation.LINK, codes, link.grade, link.source))
        return matches

    def _route(self, start: str, end: str) -> tuple[str, ...] | None:
        """Codes from `start` to `end` when one is the other, a group of it or a member of it."""
        if end in self._up[start]:
            return self._up[start][end]
        if start in self._up[end]:
            return tuple(reversed(self._up[end][start]))
        return None

    def _match(self, relation: Relation, codes: tuple[str, ...], grade=None, source=None) -> Match:
        codes = tuple(dict.fromkeys(codes))
        return Match(relation, tuple(self.terms[code] for code in codes), grade, source, self._steps(codes))

    def _steps(self, codes: tuple[str, ...]) -> tuple[Reach, ...]:
        """How each code is reached from the one before: up to a group, down to a member, or across a link."""
        steps = [Reach.FLAG]
        for before, code in pairwise(codes):
            if code in self.nodes[before].parents:
                steps.append(Reach.GROUP)
            elif before in self.nodes[code].parents:
                steps.append(Reach.MEMBER)
            else:
                steps.append(Reach.CROSS_REACTION)
        return tuple(steps)
