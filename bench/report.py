"""The figures: collected as rows, printed as a table, written as Markdown."""

from __future__ import annotations

import os
import platform
import sqlite3
import subprocess
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def cpu_model() -> str:
    """The CPU's model name from /proc/cpuinfo."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.partition(":")[2].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def memory_total() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 2**20:.1f} GiB"
    except OSError:
        pass
    return "unknown"


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "-"


def _commit() -> str:
    try:
        done = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return done.stdout.strip()


def machine_info(
    database: str = "SQLite {sqlite} (WAL, temporary file), memory:// broadcast",
    server: str = "one uvicorn process (uvloop, httptools, websockets-sansio, no compression)",
) -> dict[str, str]:
    """What the figures were measured on (`database` may name `{sqlite}`, its version)."""
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    cores = f"{os.cpu_count()}" + (f" ({usable} usable)" if usable != os.cpu_count() else "")
    stack = ", ".join(
        f"{name} {_version(name)}"
        for name in ("fastapi", "starlette", "uvicorn", "uvloop", "websockets", "sqlalchemy")
    )
    return {
        "CPU": cpu_model(),
        "cores": cores,
        "memory": memory_total(),
        "OS": f"{platform.system()} {platform.release()}",
        "Python": f"{platform.python_implementation()} {platform.python_version()}",
        "DB": database.format(sqlite=sqlite3.sqlite_version),
        "server": server,
        "stack": stack,
        "commit": f"{_commit()} (plus uncommitted changes, if any)",
    }


@dataclass(frozen=True)
class Row:
    section: str
    figure: str
    value: str


@dataclass
class Report:
    """Rows of figures by section, notes, and the checks that failed."""

    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    details: list[str] = field(default_factory=list)  # per-change lines, printed on request

    def add(self, section: str, figure: str, value: str) -> None:
        self.rows.append(Row(section, figure, value))

    def note(self, text: str) -> None:
        self.notes.append(text)

    def fail(self, text: str) -> None:
        self.failures.append(text)

    def text(self, machine: dict[str, str], header: str) -> str:
        """The table as the terminal shows it."""
        lines = [header, ""]
        if machine:
            width = max(len(k) for k in machine)
            lines += [f"  {key:<{width}}  {value}" for key, value in machine.items()]
            lines.append("")
        sections = [r.section for r in self.rows]
        w_section = max((len(s) for s in sections), default=5)
        w_figure = max((len(r.figure) for r in self.rows), default=6)
        previous = None
        for row in self.rows:
            if row.section != previous and previous is not None:
                lines.append("")
            label = row.section if row.section != previous else ""
            lines.append(f"  {label:<{w_section}}  {row.figure:<{w_figure}}  {row.value}")
            previous = row.section
        if self.notes:
            lines += ["", "Notes:"] + [f"  - {n}" for n in self.notes]
        if self.failures:
            lines += ["", "FAILED:"] + [f"  - {f}" for f in self.failures]
        return "\n".join(lines)

    def markdown(self, machine: dict[str, str], command: str, seconds: float) -> str:
        """The table as Markdown, for the README's Performance section."""
        stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        lines = [
            f"### `{command}` — {stamp}, {seconds:.0f} s",
            "",
            *(["| machine | |", "|---|---|"] if machine else []),
            *(f"| {key} | {_cell(value)} |" for key, value in machine.items()),
            *([""] if machine else []),
            "| phase | figure | value |",
            "|---|---|---|",
        ]
        previous = None
        for row in self.rows:
            label = f"**{row.section}**" if row.section != previous else ""
            lines.append(f"| {label} | {_cell(row.figure)} | {_cell(row.value)} |")
            previous = row.section
        if self.notes:
            lines += ["", *(f"- {_cell(n)}" for n in self.notes)]
        if self.failures:
            lines += ["", "**Failed:**", "", *(f"- {_cell(f)}" for f in self.failures)]
        return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
