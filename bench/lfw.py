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
The search is exact (a matrix product), as an index returns it at these sizes. The gallery of 1 000 of the
original photos is also enrolled through REST (gateway, matching and identification as processes, embedded
stores) and searched with POST /api/search: with no threshold for FPIR and FNIR, at any distance for rank-1.
"""

from __future__ import annotations

import base64
import hashlib
import tempfile
from dataclasses import dataclass
from pathlib import Path

import httpx
import numpy as np

from bench import BenchSettings
from bench.common import method_of
from bench.deployment import bench_platform
from bench.faceset import load_labels
from bench.metrics import rate_text, tar_at_far
from bench.search_api import BACKENDS, enrol, platform_environment
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
API_GALLERY, API_VARIANT = 1_000, "images"  # the gallery also enrolled and searched through REST
ANY_DISTANCE = 2.0  # the largest L2 distance between unit descriptors: every enrolled face qualifies


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


@dataclass(frozen=True)
class Gallery:
    """One gallery: the photo enrolled for each person, photos of enrolled people to search with (each
    person's next ones), and one photo each of people never enrolled."""

    enrolled: list[str]
    probes: list[str]
    outsiders: list[str]


def person_of(photo: str) -> str:
    return photo.split("/")[0]


def galleries(people: dict[str, list[str]]) -> dict[int, Gallery]:
    order = list(np.random.default_rng(SEED).permutation(sorted(people)))
    outsiders = [p for p in order if len(people[p]) == 1][:OUTSIDERS]
    rest = [p for p in order if p not in set(outsiders)]
    repeat = [p for p in rest if len(people[p]) >= 2][:MATED_PEOPLE]
    others = [p for p in rest if p not in set(repeat)]
    made = {}
    for size in GALLERIES:
        mated_people = repeat[: min(MATED_PEOPLE, size // 2)]
        enrolled = mated_people + others[: size - len(mated_people)]
        made[size] = Gallery(
            enrolled=[people[p][0] for p in enrolled],
            probes=[photo for p in mated_people for photo in people[p][1 : 1 + PROBES_EACH]],
            outsiders=[people[p][0] for p in outsiders],
        )
    return made


def searched(vectors: dict[str, np.ndarray | None], gallery: Gallery) -> dict:
    """Each probe's nearest enrolled person and cosine, and each outsider's best cosine (exact search)."""
    enrolled = np.stack([vectors[photo] for photo in gallery.enrolled])
    names = np.array([person_of(photo) for photo in gallery.enrolled])
    scores = np.stack([vectors[photo] for photo in gallery.probes]) @ enrolled.T
    best = scores.argmax(axis=1)
    return {
        "right": names[best] == np.array([person_of(photo) for photo in gallery.probes]),
        "best_mated": scores[np.arange(len(gallery.probes)), best],
        "best_outsider": (np.stack([vectors[photo] for photo in gallery.outsiders]) @ enrolled.T).max(axis=1),
    }


def through_api(settings: BenchSettings, root: Path, gallery: Gallery) -> OpenSetCounts:
    """The gallery enrolled through REST on the embedded stores (a person and one photo each), then every
    probe and outsider searched with POST /api/search: at the default threshold, and (rank-1) at any
    distance."""
    with tempfile.TemporaryDirectory(prefix="visage-bench-") as tmp:
        workdir = Path(tmp)
        environment = platform_environment(workdir, f"milvus-lite:///{workdir / 'milvus.db'}", "lfw")
        with (
            bench_platform(settings, BACKENDS, extra_environment=environment) as platform,
            httpx.Client(timeout=120.0) as client,
        ):
            api = platform.api_url
            ids, _ = enrol(api, [(person_of(photo), root / photo, ()) for photo in gallery.enrolled])
            person_by_id = dict(zip(ids, (person_of(photo) for photo in gallery.enrolled), strict=True))

            def first_found(photo: str, **extra: float) -> str | None:
                content = base64.b64encode((root / photo).read_bytes()).decode()
                answer = client.post(
                    f"{api}/search", json={"image": {"content": content}, "limit": 1} | extra
                )
                answer.raise_for_status()
                persons = answer.json().get("persons", [])
                return person_by_id.get(persons[0]["id"]) if persons else None

            counts = OpenSetCounts(mated=len(gallery.probes), non_mated=len(gallery.outsiders))
            for photo in gallery.probes:
                counts.found += first_found(photo) == person_of(photo)
                counts.rank1 += first_found(photo, threshold=ANY_DISTANCE) == person_of(photo)
            counts.false_hits = sum(first_found(photo) is not None for photo in gallery.outsiders)
    return counts


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
    summary, api_gallery = {}, None
    for (label, vectors), folder in zip(described.items(), VARIANTS.values(), strict=True):
        people = open_set_people(settings, vectors)
        made = galleries(people)
        results = {size: searched(vectors, gallery) for size, gallery in made.items()}
        section.table(headers, open_set_rows(results), f"Open set, {label} photos ({len(people)} people)")
        summary[label] = open_set_counts(results[API_GALLERY], search_cosine(API_GALLERY))
        if folder == API_VARIANT:
            api_gallery, in_process = made[API_GALLERY], summary[label]
    assert api_gallery is not None
    rest = through_api(settings, lfw_dir / API_VARIANT, api_gallery)
    section.table(
        ["gallery of 1 000, original photos", "FPIR", "FNIR", "rank-1"],
        [_api_row("exact search in process", in_process), _api_row("POST /api/search", rest)],
        "The same gallery through REST (Milvus Lite, the service's default threshold for its size)",
    )
    for label, counts in summary.items():
        rejection = rate_text(counts.non_mated - counts.false_hits, counts.non_mated)
        section.highlight(
            f"LFW open set, gallery 1 000, {label}: rejection {rejection}, rank-1"
            f" {rate_text(counts.rank1, counts.mated)} at the default (target FPIR {DEFAULT_TARGET_FPIR:.0%})"
        )
    rest_rejection = rate_text(rest.non_mated - rest.false_hits, rest.non_mated)
    section.highlight(
        f"LFW open set, gallery 1 000 through POST /api/search: rejection {rest_rejection}, rank-1"
        f" {rate_text(rest.rank1, rest.mated)}"
    )
    return section


def _api_row(label: str, counts: OpenSetCounts) -> list[str]:
    return [
        label,
        rate_text(counts.false_hits, counts.non_mated, with_bound=True),
        rate_text(counts.mated - counts.found, counts.mated),
        rate_text(counts.rank1, counts.mated),
    ]
