"""The run's table for the terminal, and the same figures as Markdown for the README.

The Markdown goes to bench/results/last-run.md with the machine, the date and the commit it
was measured on, so the README's Benchmarks section is copied from a run, never typed.
"""

from __future__ import annotations

import os
import platform
import subprocess
from datetime import UTC, datetime
from pathlib import Path

Row = tuple[str, str, str, bool | None]  # ok: True, False (missed) or None (not built)
RESULTS = Path(__file__).resolve().parent / "results" / "last-run.md"


def machine() -> str:
    model = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.partition(":")[2].strip()
            break
    memory = ""
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal"):
            memory = f", {int(line.split()[1]) / 1024**2:.0f} GiB"
            break
    cores = len(os.sched_getaffinity(0))
    return (
        f"{cores} CPUs ({model}){memory}, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}"
    )


def load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def commit() -> str:
    root = Path(__file__).resolve().parent.parent
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=root,
            capture_output=True,
            text=True,
        ).stdout.strip()
    except OSError:
        return "unknown commit"
    return f"{head}{' with uncommitted changes' if dirty else ''}" if head else "unknown commit"


def verdict(ok: bool | None) -> str:
    return "not built" if ok is None else "ok" if ok else "MISSED"


def table(rows: list[Row]) -> str:
    headers = ("figure", "measured", "budget", "")
    cells = [
        headers,
        *((name, value, budget, verdict(ok)) for name, value, budget, ok in rows),
    ]
    widths = [max(len(row[i]) for row in cells) for i in range(4)]
    lines = [
        " | ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        for row in cells
    ]
    lines.insert(1, "-+-".join("-" * width for width in widths))
    return "\n".join(line.rstrip() for line in lines)


def markdown(rows: list[Row], notes: list[str], started: datetime, load_before: str) -> str:
    lines = [
        f"Measured on {machine()}, {started:%Y-%m-%d %H:%M} UTC, commit {commit()}; "
        f"load average {load_before} at the start, {load()} at the end:",
        "",
        "| figure | measured | budget | |",
        "|---|---|---|---|",
        *(
            f"| {name} | {value} | {budget} | {verdict(ok).replace('MISSED', '**missed**')} |"
            for name, value, budget, ok in rows
        ),
        "",
        *(f"- {note}" for note in notes),
        "",
    ]
    return "\n".join(lines)


def write(rows: list[Row], notes: list[str], started: datetime, load_before: str) -> Path:
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(markdown(rows, notes, started, load_before))
    return RESULTS


def now() -> datetime:
    return datetime.now(UTC)
