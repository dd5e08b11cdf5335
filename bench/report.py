"""Render `bench/results/REPORT.md` from the sections stored under `bench/results/raw/`."""

from __future__ import annotations

from pathlib import Path

from bench import BenchSettings
from bench.common import Machine
from bench.section import Note, Section, Table, markdown_table

# Report order; sections not listed follow in name order.
ORDER = (
    "accuracy",
    "open_set",
    "lfw",
    "face_recognition_compare",
    "core",
    "gateway",
    "scaling",
    "quality",
    "attributes",
    "search",
    "consistency",
    "milvus_capacity",
    "memory",
)

FMR_TABLE_TITLE = "Similarity → estimated false match rate"
SIMILARITY_DOC = Path("docs") / "similarity.md"
_DOC_START, _DOC_END = "<!-- fmr-table:start", "<!-- fmr-table:end -->"

INTRO = """\
How accurate and how fast Visage is on one machine, measured with `make bench` (the fast set, minutes) or
`make bench-full` (everything, including 10^6 vectors on the Milvus server and the comparison with
`face_recognition`). Every time is a median of repeated runs, and every speed figure stands next to its limit
measured in the same run (raw onnxruntime, the same work in process, exact search, a bare process holding the
same models) with the ratio between them: absolute numbers depend on the machine, ratios much less.
Accuracy is measured on the labelled photos of `shared/faces` (a few hundred photos: small, so each rate is
given with the counts behind it). Every photo figure here comes from that set (`VISAGE_FACES_DIR`), which
adds LFW and its distractors to the licence-clean photos the tests carry in `tests/data/faces`; no figure
comes from the test set. Raw data: `bench/results/raw/` (not committed).
"""


def _ordered(sections: list[Section]) -> list[Section]:
    rank = {name: i for i, name in enumerate(ORDER)}
    return sorted(sections, key=lambda s: (rank.get(s.name, len(ORDER)), s.name))


def stored_sections(raw_dir: Path) -> list[Section]:
    return _ordered([Section.load(path) for path in sorted(raw_dir.glob("*.json"))])


def render(sections: list[Section], machine: Machine) -> str:
    lines = ["# Visage: accuracy and performance", "", INTRO]
    lines += ["## Machine", ""]
    lines += [f"- {line}" for line in machine.lines()]
    lines += [
        "- the machine is shared with other engineers at work: each section gives the load average when it "
        "started; ratios are robust to that load, absolute times less so",
        "",
    ]
    lines += ["## Summary", ""]
    for section in sections:
        for text in section.highlights:
            lines.append(f"- **{section.title}**: {text}")
    lines += ["", "## Contents", ""]
    lines += [f"- [{s.title}](#{_anchor(s.title)})" for s in sections]
    lines.append("")
    for section in sections:
        lines.append(section.markdown(level=2))
    return "\n".join(lines).rstrip() + "\n"


def _anchor(title: str) -> str:
    kept = "".join(ch for ch in title.lower() if ch.isalnum() or ch in " -_")
    return kept.replace(" ", "-")


def write_report(settings: BenchSettings, machine: Machine) -> Path:
    sections = stored_sections(settings.raw_dir)
    path = settings.bench_results_dir / "REPORT.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(sections, machine), encoding="utf-8")
    sync_similarity_doc(sections, settings.repo_root / SIMILARITY_DOC)
    return path


def sync_similarity_doc(sections: list[Section], doc: Path) -> bool:
    """Copy the accuracy section's calibration table (and the note after it) between the doc's markers."""
    accuracy = next((s for s in sections if s.name == "accuracy"), None)
    if accuracy is None or not doc.is_file():
        return False
    blocks = accuracy.blocks
    index = next(
        (i for i, b in enumerate(blocks) if isinstance(b, Table) and b.title == FMR_TABLE_TITLE), None
    )
    if index is None:
        return False
    table = blocks[index]
    assert isinstance(table, Table)
    lines = [
        f"Measured {accuracy.run_info.get('ran', '')}:",
        "",
        *markdown_table(Table(table.headers, table.rows)),
    ]
    if index + 1 < len(blocks) and isinstance(blocks[index + 1], Note):
        lines += ["", blocks[index + 1].text]  # type: ignore[union-attr]
    text = doc.read_text(encoding="utf-8")
    start, end = text.find(_DOC_START), text.find(_DOC_END)
    if start < 0 or end < start:
        return False
    start = text.index("\n", start) + 1
    doc.write_text(text[:start] + "\n".join(lines) + "\n" + text[end:], encoding="utf-8")
    return True
