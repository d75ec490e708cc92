"""Turning runs into figures: medians of the repeats, the issue's targets, and the summary table.

A run is one wrk measurement: {"count", "scenario", "server", "repeat", req/s, p50, p99, errors,
"load_average", "other_cpu_share", "busy"}. Targets are those of issue 13, on this 2-core machine.
"""

import statistics
from dataclasses import dataclass

MESOCAT, BASELINE = "mesocat", "baseline"
SIZE_RATIO = 0.8  # the largest catalogue's req/s over the smallest's
LISTS = ["category", "purpose", "free_of", "category+purpose", "purpose+free_of", "category+purpose+free_of"]


@dataclass(frozen=True)
class Target:
    min_rps: float | None = None
    max_p99_ms: float | None = None
    at_least_baseline: bool = False  # at every size
    size_ratio: bool = True

    def describe(self) -> str:
        parts = []
        if self.min_rps is not None:
            parts.append(f"≥ {self.min_rps:,.0f} req/s")
        if self.max_p99_ms is not None:
            parts.append(f"p99 ≤ {self.max_p99_ms:g} ms")
        if self.at_least_baseline:
            parts.append("≥ baseline")
        if self.size_ratio:
            parts.append(f"ratio ≥ {SIZE_RATIO:g}")
        return ", ".join(parts) or "—"


TARGETS = {
    "search": Target(max_p99_ms=40, at_least_baseline=True),
    **{name: Target(max_p99_ms=50, at_least_baseline=True) for name in LISTS},
    "detail": Target(min_rps=2400, max_p99_ms=10, at_least_baseline=True),
    "check": Target(min_rps=500, max_p99_ms=50),
    "healthz": Target(size_ratio=False),
    "mixed": Target(size_ratio=False),
}


@dataclass(frozen=True)
class Median:
    """The median figures of one scenario on one server at one size, over its repeats."""

    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int  # non-2xx answers and socket errors, summed over the repeats
    load_averages: list[float]
    busy_runs: int

    def as_dict(self) -> dict:
        return {**self.__dict__}


def median_of(runs: list[dict]) -> Median:
    return Median(
        requests_per_second=statistics.median(r["requests_per_second"] for r in runs),
        p50_ms=statistics.median(r["p50_ms"] for r in runs),
        p99_ms=statistics.median(r["p99_ms"] for r in runs),
        errors=sum(r["non_2xx"] + r["socket_errors"] for r in runs),
        load_averages=[r["load_average"] for r in runs],
        busy_runs=sum(r["busy"] for r in runs),
    )


def medians(runs: list[dict]) -> dict[tuple[int, str, str], Median]:
    """Median per (count, scenario, server)."""
    groups: dict[tuple[int, str, str], list[dict]] = {}
    for run in runs:
        groups.setdefault((run["count"], run["scenario"], run["server"]), []).append(run)
    return {key: median_of(group) for key, group in groups.items()}


def count_label(count: int) -> str:
    return f"{count // 1000}k" if count % 1000 == 0 else str(count)


def verdicts(scenario: str, counts: list[int], figures: dict) -> list[str]:
    """Each target of the scenario with ok, MISSED or n/a (not measured); req/s and p99 at the largest size."""
    target = TARGETS.get(scenario, Target())
    largest = figures.get((counts[-1], scenario, MESOCAT))
    if largest is None:
        return []
    results = []
    if target.min_rps is not None:
        results.append(_verdict(f"≥ {target.min_rps:,.0f}/s", largest.requests_per_second >= target.min_rps))
    if target.max_p99_ms is not None:
        results.append(_verdict(f"p99 ≤ {target.max_p99_ms:g}", largest.p99_ms <= target.max_p99_ms))
    if target.at_least_baseline:
        ratios = [baseline_ratio(count, scenario, figures) for count in counts]
        measured = all(ratio is not None for ratio in ratios)
        results.append(_verdict("≥ baseline", all(ratio >= 1 for ratio in ratios) if measured else None))
    if target.size_ratio:
        ratio = size_ratio(scenario, counts, figures)
        results.append(_verdict(f"ratio ≥ {SIZE_RATIO:g}", ratio >= SIZE_RATIO if ratio is not None else None))
    if any(figures[key].errors for key in figures if key[1] == scenario):
        results.append("ERRORS")
    return results


def _verdict(label: str, met: bool | None) -> str:
    return f"{label} {'n/a' if met is None else 'ok' if met else 'MISSED'}"


def baseline_ratio(count: int, scenario: str, figures: dict) -> float | None:
    ours, floor = figures.get((count, scenario, MESOCAT)), figures.get((count, scenario, BASELINE))
    if ours is None or floor is None or not floor.requests_per_second:
        return None
    return ours.requests_per_second / floor.requests_per_second


def size_ratio(scenario: str, counts: list[int], figures: dict) -> float | None:
    if len(counts) < 2:
        return None
    small, large = figures.get((counts[0], scenario, MESOCAT)), figures.get((counts[-1], scenario, MESOCAT))
    if small is None or large is None or not small.requests_per_second:
        return None
    return large.requests_per_second / small.requests_per_second


def summary_rows(scenarios: list[str], counts: list[int], figures: dict) -> list[list[str]]:
    """scenario | req/s per size | ratio | p50 | p99 | baseline req/s | ×baseline | load avg | target."""
    rows = []
    for scenario in scenarios:
        per_size = [figures.get((count, scenario, MESOCAT)) for count in counts]
        largest = per_size[-1]
        if largest is None:
            continue
        floor = figures.get((counts[-1], scenario, BASELINE))
        ratios = [baseline_ratio(count, scenario, figures) for count in counts]
        ratio = size_ratio(scenario, counts, figures)
        checks = verdicts(scenario, counts, figures)
        rows.append(
            [
                scenario,
                *[_number(m.requests_per_second) if m else "—" for m in per_size],
                f"{ratio:.2f}" if ratio is not None else "—",
                f"{largest.p50_ms:.1f}",
                f"{largest.p99_ms:.1f}",
                _number(floor.requests_per_second) if floor else "—",
                " / ".join(f"{r:.2f}" for r in ratios) if any(r is not None for r in ratios) else "—",
                _load_range(scenario, figures),
                ", ".join(checks) or "—",
            ]
        )
    return rows


def summary_header(counts: list[int]) -> list[str]:
    largest = count_label(counts[-1])
    sizes = "/".join(count_label(c) for c in counts)
    ratio = f"{largest}/{count_label(counts[0])}" if len(counts) > 1 else "ratio"
    return [
        "scenario",
        *[f"req/s {count_label(c)}" for c in counts],
        ratio,
        f"p50 ms {largest}",
        f"p99 ms {largest}",
        f"baseline req/s {largest}",
        f"×baseline {sizes}",
        "load avg",
        "target",
    ]


def markdown_table(header: list[str], rows: list[list[str]]) -> str:
    aligns = ["---"] + ["---:"] * (len(header) - 3) + ["---", "---"]
    lines = [header, aligns, *rows]
    return "\n".join("| " + " | ".join(cells) + " |" for cells in lines) + "\n"


def _number(value: float) -> str:
    return f"{value:,.0f}"


def _load_range(scenario: str, figures: dict) -> str:
    """The 1-minute load averages of Mesocat's runs of this scenario, and how many were busy."""
    ours = [m for key, m in figures.items() if key[1] == scenario and key[2] == MESOCAT]
    loads = [load for m in ours for load in m.load_averages]
    busy = sum(m.busy_runs for m in ours)
    text = f"{min(loads):.2f}–{max(loads):.2f}" if len(set(loads)) > 1 else f"{loads[0]:.2f}"
    return text + (f" ({busy} busy)" if busy else "")
