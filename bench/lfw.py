"""LFW: the 6 000-pair protocol, and open-set galleries of up to 3 000 people the search rule never saw.

Data: VISAGE_LFW_DIR, the files of the LFW site's own repository
(github.com/umass-vis-lfw/umass-vis-lfw.github.io, commit 2a620cd8cceb10430f8c7012fe9fa5f0837759e9):
`lfw_dir_names/pairs.txt` (View 2: 10 folds of 300 genuine and 300 impostor pairs), `images/` (the 13 232
original photos, stored there at 150×150) and `images_deepfunneled/` (the 13 233 photos at 250×250, aligned
by deep funnelling). Nothing of it is committed: fetch the repository and point VISAGE_LFW_DIR at a checkout
(without it this benchmark is skipped). Every photo goes through the service pipeline (YuNet on the whole
image, the face nearest the centre, SFace); a photo without a face counts against the system (its genuine
pairs are rejected, its impostor pairs refused).

Pairs: accuracy at the shipped 1:1 threshold (cosine 0.38, never tuned on LFW), the protocol's 10-fold
accuracy (threshold chosen on nine folds, applied to the tenth; mean ± sample sd over the folds, and the
standard error sd/√10 LFW asks for), and TAR at FAR 1e-3 over all 6 000 pairs.

Open set: people of LFW outside `shared/faces` (neither the labelled identities nor the distractors the
search rule's impostor law was fitted on), shuffled once. 1 000 of them are outsiders, never enrolled, each
searched with one photo (FPIR: anyone found). Each gallery enrols the first photo of up to 500 people with
two or more photos, searched with up to 4 of their other photos (FNIR: not found at the threshold; rank-1:
nearest is right, no threshold), and one photo of other people up to its size. The threshold is the search
rule's default for the gallery size (`libs.identification.threshold`); the fixed 1:1 threshold beside it.
The search is exact (a matrix product), as an index returns it at these sizes.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bench import BenchSettings
from bench.common import method_of
from bench.faceset import load_labels
from bench.metrics import rate_text, tar_at_far
from bench.section import Section
from libs.faces import SAME_PERSON_COSINE, FaceEngine
from libs.faces.compare import distance_from_cosine
from libs.identification.threshold import DEFAULT_TARGET_FPIR, search_cosine
from libs.imaging.decode import decode_image

FULL_ONLY = True  # about 13 000 photos per variant to describe (cached in raw/ after the first run)

VARIANTS = {"original, 150×150": "images", "deep-funnelled, 250×250": "images_deepfunneled"}
PAIRS = Path("lfw_dir_names") / "pairs.txt"
GALLERIES = (100, 300, 1_000, 3_000)
OUTSIDERS = 1_000
MATED_PEOPLE = 500
PROBES_EACH = 4
SEED = 20


@dataclass(frozen=True)
class Pair:
    a: str  # "Person/Person_0001.jpg"
    b: str
    genuine: bool
    fold: int


def read_pairs(lfw_dir: Path) -> list[Pair]:
    lines = (lfw_dir / PAIRS).read_text().split("\n")
    folds, per_kind = (int(x) for x in lines[0].split())
    pairs = []
    for index, line in enumerate(line for line in lines[1:] if line.strip()):
        fields = line.split("\t")
        if len(fields) == 3:
            a, b, genuine = (fields[0], int(fields[1])), (fields[0], int(fields[2])), True
        else:
            a, b, genuine = (fields[0], int(fields[1])), (fields[2], int(fields[3])), False
        pairs.append(Pair(_photo(*a), _photo(*b), genuine, index // (2 * per_kind)))
    assert len(pairs) == folds * 2 * per_kind, f"{PAIRS}: {len(pairs)} pairs"
    return pairs


def _photo(person: str, number: int) -> str:
    return f"{person}/{person}_{number:04d}.jpg"


def descriptors(settings: BenchSettings, engine: FaceEngine, root: Path) -> dict[str, np.ndarray | None]:
    """Unit descriptor of the central face of every photo under `root` (None: no face), cached in raw/ by
    the photos' names and the recognizer (delete the cache after changing the pipeline)."""
    photos = sorted(str(p.relative_to(root)) for p in root.glob("*/*.jpg"))
    key = hashlib.sha256("\n".join([settings.models.recognizer, *photos]).encode()).hexdigest()[:12]
    cache = settings.raw_dir / f"lfw-{root.name}-{key}.npz"
    if cache.exists():
        stored = np.load(cache)
        return {
            name: (vector if found else None)
            for name, vector, found in zip(photos, stored["vectors"], stored["found"], strict=True)
        }
    vectors = np.zeros((len(photos), 128), dtype=np.float32)
    found = np.zeros(len(photos), dtype=bool)
    for index, name in enumerate(photos):
        image = decode_image((root / name).read_bytes())
        faces = engine.detect(image, only_central=True)
        if faces:
            vectors[index], found[index] = engine.describe(image, faces)[0], True
        if index % 1000 == 0:
            print(f"  {root.name}: {index}/{len(photos)} described", flush=True)
    settings.raw_dir.mkdir(parents=True, exist_ok=True)
    np.savez(cache, vectors=vectors, found=found)
    return {name: (vectors[i] if found[i] else None) for i, name in enumerate(photos)}


def pair_cosines(vectors: dict[str, np.ndarray | None], pairs: list[Pair]) -> np.ndarray:
    """Cosine of each pair; -inf where either photo has no face (genuine: rejected; impostor: refused)."""
    out = np.full(len(pairs), -np.inf)
    for i, pair in enumerate(pairs):
        a, b = vectors.get(pair.a), vectors.get(pair.b)
        if a is not None and b is not None:
            out[i] = float(a @ b)
    return out


def best_threshold(cosines: np.ndarray, genuine: np.ndarray) -> float:
    """The cosine threshold (accept at or above) with the highest accuracy on these pairs."""
    candidates = np.unique(cosines[np.isfinite(cosines)])
    accuracy = [((cosines >= t) == genuine).mean() for t in candidates]
    return float(candidates[int(np.argmax(accuracy))])


def pairs_row(label: str, vectors: dict[str, np.ndarray | None], pairs: list[Pair]) -> list[str]:
    cosines = pair_cosines(vectors, pairs)
    genuine = np.array([p.genuine for p in pairs])
    fold = np.array([p.fold for p in pairs])
    fold_accuracy = []
    for k in sorted(set(fold)):
        threshold = best_threshold(cosines[fold != k], genuine[fold != k])
        fold_accuracy.append(((cosines[fold == k] >= threshold) == genuine[fold == k]).mean())
    mean, sd = float(np.mean(fold_accuracy)), float(np.std(fold_accuracy, ddof=1))
    at_default = cosines >= SAME_PERSON_COSINE
    false_accepts = int((at_default & ~genuine).sum())
    false_rejects = int((~at_default & genuine).sum())
    point = tar_at_far(cosines[genuine], cosines[~genuine], 1e-3)
    missing = sum(1 for name in {p.a for p in pairs} | {p.b for p in pairs} if vectors.get(name) is None)
    return [
        label,
        f"{(at_default == genuine).mean():.2%} ({false_accepts} FA, {false_rejects} FR)",
        f"{mean:.2%} ± {sd:.2%} (SE {sd / np.sqrt(len(fold_accuracy)):.2%})",
        f"{point.tar:.2%} ({point.false_accepts} FA)",
        str(missing),
    ]


@dataclass
class OpenSetCounts:
    found: int = 0
    mated: int = 0
    rank1: int = 0
    false_hits: int = 0
    non_mated: int = 0


def open_set_people(settings: BenchSettings, vectors: dict[str, np.ndarray | None]) -> dict[str, list[str]]:
    """LFW people outside shared/faces (labelled and distractors), each with the photos in which a face was
    found, in photo order."""
    faces_dir = Path(settings.faces_dir)
    seen = {p.identity for p in load_labels(faces_dir) if p.identity}
    seen |= {p.name for p in (faces_dir / "lfw-distractors").iterdir() if p.is_dir()}
    people: dict[str, list[str]] = {}
    for name, vector in sorted(vectors.items()):
        person = name.split("/")[0]
        if person not in seen and vector is not None:
            people.setdefault(person, []).append(name)
    return people


def open_set(vectors: dict[str, np.ndarray | None], people: dict[str, list[str]]) -> dict[int, dict]:
    order = list(np.random.default_rng(SEED).permutation(sorted(people)))
    outsiders = [p for p in order if len(people[p]) == 1][:OUTSIDERS]
    rest = [p for p in order if p not in set(outsiders)]
    repeat = [p for p in rest if len(people[p]) >= 2][:MATED_PEOPLE]
    others = [p for p in rest if p not in set(repeat)]
    outsider_vectors = np.stack([vectors[people[p][0]] for p in outsiders])
    results = {}
    for size in GALLERIES:
        mated_people = repeat[: min(MATED_PEOPLE, size // 2)]
        gallery = mated_people + others[: size - len(mated_people)]
        enrolled = np.stack([vectors[people[p][0]] for p in gallery])
        names = np.array(gallery)
        probes = [(p, photo) for p in mated_people for photo in people[p][1 : 1 + PROBES_EACH]]
        mated_scores = np.stack([vectors[photo] for _, photo in probes]) @ enrolled.T
        best = mated_scores.argmax(axis=1)
        right = names[best] == np.array([p for p, _ in probes])
        best_mated = mated_scores[np.arange(len(probes)), best]
        best_outsider = (outsider_vectors @ enrolled.T).max(axis=1)
        results[size] = {"right": right, "best_mated": best_mated, "best_outsider": best_outsider}
    return results


def open_set_counts(result: dict, cosine: float) -> OpenSetCounts:
    right, best_mated, best_outsider = result["right"], result["best_mated"], result["best_outsider"]
    return OpenSetCounts(
        found=int((right & (best_mated >= cosine)).sum()),
        mated=len(right),
        rank1=int(right.sum()),
        false_hits=int((best_outsider >= cosine).sum()),
        non_mated=len(best_outsider),
    )


def open_set_rows(results: dict[int, dict]) -> list[list[str]]:
    rows = []
    for size, result in results.items():
        cosine = search_cosine(size)
        rule, fixed = open_set_counts(result, cosine), open_set_counts(result, SAME_PERSON_COSINE)
        rows.append([
            f"{size:,}", f"{distance_from_cosine(cosine):.4f}", f"{cosine:.3f}",
            rate_text(rule.false_hits, rule.non_mated, with_bound=True),
            rate_text(rule.mated - rule.found, rule.mated),
            rate_text(fixed.false_hits, fixed.non_mated), rate_text(fixed.mated - fixed.found, fixed.mated),
            rate_text(rule.rank1, rule.mated),
        ])  # fmt: skip
    return rows


def run(settings: BenchSettings) -> Section | None:
    lfw_dir = settings.lfw_dir
    if lfw_dir is None or not (lfw_dir / PAIRS).exists():
        print("skipped: set VISAGE_LFW_DIR to the LFW files (see bench/lfw.py)")
        return None
    engine = FaceEngine.create(settings.models, settings.inference_settings())
    pairs = read_pairs(lfw_dir)
    described = {label: descriptors(settings, engine, lfw_dir / folder) for label, folder in VARIANTS.items()}
    section = Section("lfw", "LFW: 6 000 pairs and open-set galleries to 3 000 people", method_of(__doc__))
    section.table(
        ["photos", "accuracy at the default (0.38)", "10-fold accuracy", "TAR at FAR 1e-3", "no face found"],
        [pairs_row(label, vectors, pairs) for label, vectors in described.items()],
        f"View 2: {len(pairs)} pairs, 10 folds",
    )
    headers = [
        "gallery", "default threshold (distance)", "cosine", "FPIR default (≤ 95 % bound)", "FNIR default",
        f"FPIR at {SAME_PERSON_COSINE}", f"FNIR at {SAME_PERSON_COSINE}", "rank-1",
    ]  # fmt: skip
    summary = {}
    for label, vectors in described.items():
        people = open_set_people(settings, vectors)
        results = open_set(vectors, people)
        section.table(headers, open_set_rows(results), f"Open set, {label} photos ({len(people)} people)")
        summary[label] = open_set_counts(results[1_000], search_cosine(1_000))
    for label, counts in summary.items():
        rejection = rate_text(counts.non_mated - counts.false_hits, counts.non_mated)
        section.highlight(
            f"LFW open set, gallery 1 000, {label}: rejection {rejection}, rank-1"
            f" {rate_text(counts.rank1, counts.mated)} at the default (target FPIR {DEFAULT_TARGET_FPIR:.0%})"
        )
    return section
