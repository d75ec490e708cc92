"""`make bench`: the safety check in-process, then the catalogue over HTTP at two sizes, against a baseline.

0. Times the safety check (bench/safety.py): 15 components against 20 allergy records.
1. For each size (--counts, default 10,000 and 100,000 ingredients) builds or reuses a bench
   database (bench/out/bench-<count>.db, or BENCH_DATABASE_URL with the size appended to the
   database name): migrations, the real seed, then synthetic ingredients written through the
   app's own search-term and document code.
2. Starts Mesocat (`gunicorn wsgi:app`, 2 sync workers; from --app-root / BENCH_APP_ROOT if given)
   and, on SQLite, the plain Flask + sqlite3 baseline (bench/baseline.py, 2 sync workers too).
3. Runs every scenario --repeats times, interleaved (A, B, C, … then A, B, C, … again; Mesocat then
   the baseline for each catalogue scenario): a 2 s warm-up, a 1 s look at the idle machine (the load
   average, and whether other processes use the CPU: such a run is marked busy), then wrk for
   --seconds (2 threads, 16 connections), each request a random one of the scenario's.
4. Prints the medians of the repeats with the issue's targets, the baseline ratio and the ratio of
   the largest size to the smallest; writes bench/out/results-<label>-<db>-<count>.json (every run
   and the medians) and bench/out/summary-<label>-<db>.md (the table for bench/README.md).

Exit status: 0; 1 when any answer was not a success; 3 with --strict when a run was busy.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from bench import machine_load, report, scenarios, servers, wrk
from bench.database import OUT, ROOT, build_database, database_url, dialect_of
from bench.scenarios import SCENARIO_NAMES, Scenario

WARM_UP_SECONDS = 2
OVERHEAD_SECONDS = 0.5  # starting wrk, writing its script: per run, measured roughly
DEFAULT_COUNTS = [10_000, 100_000]


class BusyMachine(RuntimeError):
    """Another process used the CPU before a run, and --strict refuses to measure it."""


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--counts", type=_counts, default=DEFAULT_COUNTS, help="catalogue sizes (default 10000,100000)")
    parser.add_argument("--seconds", type=float, default=10, help="length of each measured wrk run (default 10)")
    parser.add_argument("--repeats", type=int, default=3, help="runs of every scenario, interleaved (default 3)")
    parser.add_argument("--scenarios", type=_scenario_names, default=SCENARIO_NAMES, help="comma-separated subset")
    parser.add_argument("--no-baseline", action="store_true", help="leave out the plain Flask + sqlite3 baseline")
    parser.add_argument("--strict", action="store_true", help="refuse (exit 3) when a run is taken on a busy machine")
    parser.add_argument("--label", default="latest", help="names the results files, e.g. before or after")
    parser.add_argument(
        "--app-root",
        type=lambda path: Path(path).resolve(),
        default=Path(os.environ.get("BENCH_APP_ROOT") or ROOT).resolve(),
        help="the checkout gunicorn serves (default BENCH_APP_ROOT or this one); the database is built by this one",
    )
    parser.add_argument("--rebuild", action="store_true", help="drop and regenerate the bench databases")
    parser.add_argument("--safety-only", action="store_true", help="only the in-process safety check benchmark")
    parser.add_argument("--no-safety", action="store_true", help="skip the in-process safety check benchmark")
    return parser.parse_args(argv)


def _counts(text: str) -> list[int]:
    counts = sorted({int(part) for part in text.split(",") if part.strip()})
    if not counts or counts[0] <= 0:
        raise argparse.ArgumentTypeError("give one or more positive sizes, e.g. 10000,100000")
    return counts


def _scenario_names(text: str) -> list[str]:
    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in SCENARIO_NAMES]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"unknown scenario {', '.join(unknown)}; choose from {', '.join(SCENARIO_NAMES)}"
        )
    return [name for name in SCENARIO_NAMES if name in names]


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if not args.no_safety:
        run_safety_benchmark()
    if args.safety_only:
        return 0
    if not shutil.which("wrk"):
        print("wrk is not installed: apt-get install wrk (Debian package)", file=sys.stderr)
        return 2
    if not (args.app_root / "wsgi.py").exists():
        print(f"--app-root {args.app_root} holds no wsgi.py", file=sys.stderr)
        return 2

    base_url = os.environ.get("BENCH_DATABASE_URL")
    dialect = dialect_of(base_url) if base_url else "sqlite"
    with_baseline = not args.no_baseline and dialect == "sqlite"
    if not args.no_baseline and not with_baseline:
        print(f"The baseline reads SQLite only: skipped on {dialect}.")
    print_plan(args, dialect, with_baseline)

    try:
        runs = [run for count in args.counts for run in bench_size(base_url, count, args, dialect, with_baseline)]
    except BusyMachine as refusal:
        print(f"\nREFUSED (--strict): {refusal}", file=sys.stderr)
        return 3
    return summarise(args, dialect, runs)


def run_safety_benchmark() -> None:
    from bench import safety

    OUT.mkdir(exist_ok=True)
    (OUT / "safety.json").write_text(json.dumps(safety.main(), indent=2))


def print_plan(args: argparse.Namespace, dialect: str, with_baseline: bool) -> None:
    """What will run, and about how long it takes."""
    servers_per_scenario = {
        name: 2 if with_baseline and name in scenarios.AGAINST_BASELINE else 1 for name in args.scenarios
    }
    measured_seconds = args.seconds + machine_load.SAMPLE_SECONDS + OVERHEAD_SECONDS
    per_repeat = sum(
        runs * (measured_seconds + (0 if name in scenarios.WITHOUT_WARM_UP else WARM_UP_SECONDS))
        for name, runs in servers_per_scenario.items()
    )
    total = per_repeat * args.repeats * len(args.counts)
    sizes = ", ".join(f"{count:,}" for count in args.counts)
    print(
        f"\n{dialect}, {sizes} ingredients; {len(args.scenarios)} scenarios, "
        f"{sum(servers_per_scenario.values())} runs per repeat (baseline {'on' if with_baseline else 'off'}), "
        f"{args.repeats} repeats, {args.seconds:g} s each after a {WARM_UP_SECONDS} s warm-up; serving {args.app_root}"
    )
    duration = f"{total / 60:.0f} min" if total >= 120 else f"{total:.0f} s"
    print(f"Expected duration: about {duration}, plus building any database that is missing.\n")


def bench_size(base_url: str | None, count: int, args: argparse.Namespace, dialect: str, with_baseline: bool):
    """One size: build or reuse its database, measure every scenario, write its results file."""
    url = database_url(base_url, count)
    build_database(url, count, rebuild=args.rebuild)
    prepared = prepare_scenarios(url, args.scenarios, args.repeats)
    runs = measure_size(url, count, prepared, args, with_baseline=with_baseline)
    write_results(args, dialect, count, runs, {scenario.name: scenario.description for scenario in prepared})
    return runs


def prepare_scenarios(url: str, names: list[str], repeats: int) -> list[Scenario]:
    codes = scenarios.read_codes(url)
    prepared = scenarios.catalogue_scenarios(url, codes)
    if {"check", "mixed"} & set(names):
        prepared += scenarios.clinic_scenarios(url, codes, repeats)
    by_name = {scenario.name: scenario for scenario in prepared}
    return [by_name[name] for name in names]


def measure_size(
    url: str, count: int, prepared: list[Scenario], args: argparse.Namespace, *, with_baseline: bool
) -> list[dict]:
    """Every scenario, repeated and interleaved, against Mesocat (and the baseline) on one database."""
    started: list[servers.Server] = []
    try:
        started.append(servers.start_mesocat(url, args.app_root, os.environ))
        if with_baseline and any(scenario.against_baseline for scenario in prepared):
            started.append(servers.start_baseline(url, os.environ))
        scripts = write_scripts(prepared, count, args.repeats)
        print_scenarios(prepared, count, started)
        runs = []
        for repeat, scenario, server in interleaved(prepared, started, args.repeats):
            run = measure_once(server, scenario, scripts[scenario.name, repeat], args)
            runs.append({"count": count, "scenario": scenario.name, "repeat": repeat + 1, **run})
            print_run(runs[-1], args.repeats)
        return runs
    finally:
        for server in started:
            server.stop()


def interleaved(prepared: list[Scenario], started: list[servers.Server], repeats: int):
    """(repeat, scenario, server) in the order they run: every scenario, then all again; the baseline after us."""
    for repeat in range(repeats):
        for scenario in prepared:
            for server in started:
                if server.name == report.MESOCAT or scenario.against_baseline:
                    yield repeat, scenario, server


def print_scenarios(prepared: list[Scenario], count: int, started: list[servers.Server]) -> None:
    print(f"\n{count:,} ingredients: {', '.join(f'{server.name} at {server.base_url}' for server in started)}")
    for scenario in prepared:
        target = report.TARGETS.get(scenario.name, report.Target()).describe()
        print(f"  {scenario.name:25} {scenario.description:70} target: {target}")
    print(flush=True)


def write_scripts(prepared: list[Scenario], count: int, repeats: int) -> dict[tuple[str, int], Path]:
    """The wrk script of every scenario and repeat (one shared by the repeats when the requests are)."""
    scripts = {}
    for scenario in prepared:
        for repeat in range(repeats):
            fresh = len(scenario.requests) > 1
            name = f"{count}-{scenario.name}" + (f"-{repeat + 1}" if fresh else "")
            if fresh or repeat == 0:
                script = wrk.write_script(OUT, name, scenario.requests_for(repeat))
            scripts[scenario.name, repeat] = script
    return scripts


def measure_once(server: servers.Server, scenario: Scenario, script: Path, args: argparse.Namespace) -> dict:
    """Warm up, look at the idle machine, then measure: one run's figures with the load beside them."""
    if scenario.warm_up:
        wrk.run(server.base_url, script, WARM_UP_SECONDS)
    load = machine_load.sample_idle_machine()
    if load.busy and args.strict:
        raise BusyMachine(
            f"before {scenario.name} on {server.name}, other processes used {load.other_cpu_share:.0%} "
            f"of the CPU (load average {load.load_average:.2f}; busiest: {', '.join(load.busiest)})"
        )
    result = wrk.run(server.base_url, script, args.seconds)
    return {
        "server": server.name,
        **result.as_dict(),
        "load_average": load.load_average,
        "other_cpu_share": round(load.other_cpu_share, 3),
        "busiest_others": load.busiest,
        "busy": load.busy,
    }


def print_run(run: dict, repeats: int) -> None:
    errors = run["non_2xx"] + run["socket_errors"]
    load = machine_load.MachineLoad(run["load_average"], run["other_cpu_share"], run["busiest_others"])
    print(
        f"  {run['repeat']}/{repeats} {run['scenario']:25} {run['server']:8} "
        f"{run['requests_per_second']:8.0f} req/s  p50 {run['p50_ms']:7.2f}  p99 {run['p99_ms']:7.2f} ms  "
        f"{f'{errors} errors' if errors else '':>10}  {load.describe()}",
        flush=True,
    )


def write_results(
    args: argparse.Namespace, dialect: str, count: int, runs: list[dict], descriptions: dict[str, str]
) -> None:
    figures = report.medians(runs)
    document = {
        "label": args.label,
        "database": dialect,
        "count": count,
        "app_root": str(args.app_root),
        "app_commit": app_commit(args.app_root),
        "seconds": args.seconds,
        "repeats": args.repeats,
        "finished": time.strftime("%Y-%m-%d %H:%M:%S"),
        "scenarios": {
            name: {"requests": description, "target": report.TARGETS.get(name, report.Target()).describe()}
            for name, description in descriptions.items()
        },
        "medians": {
            scenario: {server: median.as_dict() for (_, s, server), median in figures.items() if s == scenario}
            for scenario in dict.fromkeys(run["scenario"] for run in runs)
        },
        "runs": runs,
    }
    path = OUT / f"results-{args.label}-{dialect}-{count}.json"
    path.write_text(json.dumps(document, indent=2))
    print(f"results: {path}")


def app_commit(app_root: Path) -> str | None:
    """The commit the served checkout is at, so a results file says what it measured."""
    answer = subprocess.run(
        ["git", "-C", str(app_root), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    )
    return answer.stdout.strip() or None


def summarise(args: argparse.Namespace, dialect: str, runs: list[dict]) -> int:
    """The summary table (printed and written as markdown), the busy runs and the errors; the exit status."""
    figures = report.medians(runs)
    header = report.summary_header(args.counts)
    table = report.markdown_table(header, report.summary_rows(args.scenarios, args.counts, figures))
    title = (
        f"{dialect}, medians of {args.repeats} interleaved runs of {args.seconds:g} s, "
        f"serving {app_commit(args.app_root) or args.app_root} ({args.label}), {time.strftime('%Y-%m-%d %H:%M')}"
    )
    path = OUT / f"summary-{args.label}-{dialect}.md"
    path.write_text(f"{title}\n\n{table}")
    print(f"\n{title}\n\n{table}\nsummary: {path}")
    warn_about_busy_runs(runs)
    failed = [run for run in runs if run["non_2xx"]]
    for run in failed:
        print(f"FAILED: {run['scenario']} on {run['server']} ({run['count']:,}): {run['non_2xx']} non-2xx answers")
    return 1 if failed else 0


def warn_about_busy_runs(runs: list[dict]) -> None:
    busy = [run for run in runs if run["busy"]]
    if not busy:
        return
    print(
        f"\n{'!' * 78}\nWARNING: {len(busy)} of {len(runs)} runs were taken while other processes used more than "
        f"{machine_load.BUSY_SHARE:.0%} of the CPU; their figures measure the neighbours too:"
    )
    for run in busy:
        print(
            f"  {run['scenario']} on {run['server']} at {run['count']:,}, repeat {run['repeat']}: "
            f"other cpu {run['other_cpu_share']:.0%} ({', '.join(run['busiest_others'])}), "
            f"load {run['load_average']:.2f}"
        )
    print("!" * 78)


if __name__ == "__main__":
    sys.exit(main())
