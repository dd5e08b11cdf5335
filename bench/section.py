"""What one benchmark reports: a titled section of notes, tables and figures, printable and storable.

A benchmark's `run(settings)` returns a `Section`; `python -m bench` prints it as text, stores it as JSON
under `bench/results/raw/` and `bench/report.py` renders the stored sections into `bench/results/REPORT.md`.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path


@dataclass
class Table:
    headers: list[str]
    rows: list[list[str]]
    title: str = ""


@dataclass
class Figure:
    file: str  # PNG name inside the results directory
    caption: str


@dataclass
class Note:
    text: str


Block = Table | Figure | Note


@dataclass
class Section:
    """One benchmark's results. `run_info` is filled in by the runner: date, mode, load, duration."""

    name: str
    title: str
    method: str  # how it was measured, one paragraph of Markdown
    blocks: list[Block] = field(default_factory=list)
    run_info: dict[str, str] = field(default_factory=dict)
    highlights: list[str] = field(default_factory=list)  # one-line results for the report's summary

    def highlight(self, text: str) -> None:
        self.highlights.append(text)

    def note(self, text: str) -> None:
        self.blocks.append(Note(text))

    def table(self, headers: list[str], rows: list[list[str]], title: str = "") -> None:
        self.blocks.append(Table(headers, [[str(cell) for cell in row] for row in rows], title))

    def figure(self, file: str, caption: str) -> None:
        self.blocks.append(Figure(file, caption))

    def tables(self) -> list[Table]:
        return [block for block in self.blocks if isinstance(block, Table)]

    # -- text, for the terminal

    def text(self) -> str:
        lines = [self.title, "", self.method, ""]
        for block in self.blocks:
            if isinstance(block, Table):
                lines += [*_text_table(block), ""]
            elif isinstance(block, Figure):
                lines += [f"[figure {block.file}: {block.caption}]", ""]
            else:
                lines += [block.text, ""]
        return "\n".join(lines).rstrip() + "\n"

    # -- Markdown, for the report

    def markdown(self, level: int = 2) -> str:
        lines = [f"{'#' * level} {self.title}", "", self.method, ""]
        if self.run_info:
            lines += ["*" + "; ".join(f"{k}: {v}" for k, v in self.run_info.items()) + "*", ""]
        for block in self.blocks:
            if isinstance(block, Table):
                lines += [*markdown_table(block), ""]
            elif isinstance(block, Figure):
                lines += [f"![{block.caption}]({block.file})", "", f"*{block.caption}*", ""]
            else:
                lines += [block.text, ""]
        return "\n".join(lines).rstrip() + "\n"

    # -- storage

    def save(self, directory: Path) -> Path:
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / f"{self.name}.json"
        blocks = [{"kind": type(block).__name__, **asdict(block)} for block in self.blocks]
        data = {
            "name": self.name,
            "title": self.title,
            "method": self.method,
            "run_info": self.run_info,
            "highlights": self.highlights,
            "blocks": blocks,
        }
        path.write_text(json.dumps(data, indent=1, ensure_ascii=False), encoding="utf-8")
        return path

    @classmethod
    def load(cls, path: Path) -> Section:
        data = json.loads(path.read_text(encoding="utf-8"))
        kinds: dict[str, type[Block]] = {"Table": Table, "Figure": Figure, "Note": Note}
        blocks = [kinds[block.pop("kind")](**block) for block in data.pop("blocks")]
        return cls(blocks=blocks, **data)


def _is_number(cell: str) -> bool:
    stripped = cell.strip().rstrip("%×x").replace(",", "").replace("+", "").replace("−", "-")
    try:
        float(stripped)
    except ValueError:
        return False
    return True


def _numeric_columns(table: Table) -> list[bool]:
    return [
        bool(table.rows) and all(_is_number(row[i]) or row[i] in ("", "n/a", "-") for row in table.rows)
        for i in range(len(table.headers))
    ]


def _text_table(table: Table) -> list[str]:
    widths = [
        max(len(table.headers[i]), *(len(row[i]) for row in table.rows))
        if table.rows
        else len(table.headers[i])
        for i in range(len(table.headers))
    ]
    numeric = _numeric_columns(table)

    def line(cells: list[str]) -> str:
        return "  ".join(
            cell.rjust(width) if right else cell.ljust(width)
            for cell, width, right in zip(cells, widths, numeric, strict=True)
        ).rstrip()

    out = [table.title] if table.title else []
    out += [line(table.headers), "-" * len(line(table.headers))]
    return out + [line(row) for row in table.rows]


def markdown_table(table: Table) -> list[str]:
    numeric = _numeric_columns(table)
    out = [f"**{table.title}**", ""] if table.title else []
    out.append("| " + " | ".join(table.headers) + " |")
    out.append("|" + "|".join("---:" if right else "---" for right in numeric) + "|")
    return out + ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in table.rows]
