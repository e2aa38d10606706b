"""What an import did, per file: problems, or what was written."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from invoicegraph.records.problems import Problem


@dataclass
class FileReport:
    path: Path
    ok: bool = False
    # At most MAX_PROBLEMS problems are listed; problem_count counts them all.
    problems: list[Problem] = field(default_factory=list)
    problem_count: int = 0
    records: dict[str, int] = field(default_factory=dict)
    tables: dict[str, dict[str, int]] = field(default_factory=dict)
    events_inserted: int = 0
    events_duplicate: int = 0
    bytes: int = 0
    seconds: float = 0.0

    def summary(self) -> str:
        if not self.ok:
            more = self.problem_count - len(self.problems)
            lines = [f"{self.path}: {self.problem_count} problem(s), nothing imported"]
            lines += [f"  {problem}" for problem in self.problems]
            if more > 0:
                lines.append(f"  … and {more} more")
            return "\n".join(lines)
        written = sum(c["inserted"] + c["updated"] for c in self.tables.values())
        return (
            f"{self.path}: {sum(self.records.values())} records, {written} rows written, "
            f"{self.events_inserted} usage events added, {self.events_duplicate} duplicate events skipped "
            f"({self.seconds:.1f} s)"
        )


@dataclass
class ImportReport:
    files: list[FileReport] = field(default_factory=list)
    # Files after a failed one are not imported (later files may build on it).
    skipped: list[Path] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(f.ok for f in self.files) and not self.skipped

    def summary(self) -> str:
        lines = [f.summary() for f in self.files]
        lines += [f"{path}: skipped (an earlier file failed)" for path in self.skipped]
        return "\n".join(lines)
