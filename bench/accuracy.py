"""Accuracy on the labelled photos: verification, identification, detection, similarity → false match rate.

Every labelled photo goes through the pipeline the services run (decode, YuNet on the whole image, the face
nearest the centre aligned and described by SFace). Verification compares every pair of photos of the
identities with two or more photos; identification enrols the first photo of each and searches with the
others (`bench/faceset.py`). Scores are cosines; the decision rule is `libs.faces.compare` (cosine ≥ 0.38,
similarity ≥ 0.5). The numbers are deterministic: nothing here is timed.
"""

from __future__ import annotations

import math

import numpy as np

from bench import BenchSettings
from bench.faceset import (
    LabelledPhoto,
    expected_faces,
    identification_protocol,
    load_labels,
    verification_pairs,
)
from bench.metrics import (
    Decisions,
    OperatingPoint,
    binomial_upper,
    decisions_at,
    identification_rates,
    pair_scores,
    roc_curve,
    tar_at_far,
)
from bench.plots import new_figure, save
from bench.report import FMR_TABLE_TITLE
from bench.section import Section
from libs.faces import SAME_PERSON_COSINE, FaceEngine, cosine_matrix, similarity_from_cosine
from libs.faces.compare import SIMILARITY_SLOPE, distance_from_cosine
from libs.faces.detector import most_central
from libs.imaging.decode import decode_image

FAR_TARGETS = (1e-2, 1e-3)
# Similarity levels of the calibration table (the API's 0..1 similarity; 0.5 = the default threshold).
SIMILARITY_LEVELS = (0.01, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 0.999)


def analyse(engine: FaceEngine, photo: LabelledPhoto) -> tuple[int, np.ndarray | None]:
    """(faces found, descriptor of the face nearest the centre or None)."""
    image = decode_image(photo.file.read_bytes())
    faces = engine.detect(image)
    central = most_central(faces, image.shape[1], image.shape[0])
    descriptor = engine.describe(image, [central])[0] if central is not None else None
    return len(faces), descriptor


def cosine_from_similarity(similarity: float) -> float:
    return SAME_PERSON_COSINE + math.log(similarity / (1 - similarity)) / SIMILARITY_SLOPE


def _pct(value: float, digits: int = 2) -> str:
    return f"{100 * value:.{digits}f}%"


def detection_rows(photos: list[LabelledPhoto], found: dict[str, int]) -> list[list[str]]:
    """Recall per kind of photo from the labels' face counts (no boxes: a false detection elsewhere in a photo
    could hide a missed face, so multi-face recall is an upper bound)."""
    one = [p for p in photos if expected_faces(p) and expected_faces(p).count == 1]  # type: ignore[union-attr]
    multi = [p for p in photos if p.kind == "multi" and expected_faces(p)]
    noface = [p for p in photos if p.kind == "noface"]
    groups = [p for p in photos if p.kind == "multi" and not expected_faces(p)]
    one_hit = sum(found[p.path] >= 1 for p in one)
    multi_expected = sum(expected_faces(p).count for p in multi)  # type: ignore[union-attr]
    multi_hit = sum(min(found[p.path], expected_faces(p).count) for p in multi)  # type: ignore[union-attr]
    return [
        [
            "one-face photos (single, live, spoof)",
            f"{len(one)}",
            f"{one_hit} / {len(one)}",
            _pct(one_hit / len(one)),
        ],
        [
            "multi-face photos with a face count",
            f"{len(multi)}",
            f"{multi_hit} / {multi_expected} faces",
            _pct(multi_hit / multi_expected),
        ],
        [
            "photos without a human face",
            f"{len(noface)}",
            f"{sum(found[p.path] for p in noface)} false detections",
            "n/a",
        ],
        [
            "group photos without a count",
            f"{len(groups)}",
            f"{sum(found[p.path] for p in groups)} faces found",
            "n/a",
        ],
    ]


def fmr_rows(genuine: np.ndarray, impostor: np.ndarray) -> list[list[str]]:
    rows = []
    for level in SIMILARITY_LEVELS:
        cos = cosine_from_similarity(level)
        accepted = int((impostor >= cos).sum())
        rejected = int((genuine < cos).sum())
        estimate = f"{accepted / len(impostor):.2e}" if accepted else f"< {1 / len(impostor):.1e}"
        rows.append(
            [
                f"{level:g}",
                f"{cos:.3f}",
                f"{distance_from_cosine(cos):.3f}",
                f"{accepted} / {len(impostor)}",
                estimate,
                f"{binomial_upper(accepted, len(impostor)):.1e}",
                f"{rejected} / {len(genuine)}",
            ]
        )
    return rows


def verification_rows(decisions: Decisions, points: list[OperatingPoint]) -> list[list[str]]:
    rows = [
        [
            f"default threshold (cosine {decisions.threshold})",
            _pct(decisions.accuracy),
            _pct(1 - decisions.frr),
            f"{_pct(decisions.far, 3)} ({decisions.false_accepts} / {decisions.impostors})",
            f"{decisions.false_rejects} / {decisions.genuines}",
        ]
    ]
    for point in points:
        rows.append(
            [
                f"FAR ≤ {point.target_far:g} (cosine > {point.threshold:.3f})",
                "",
                _pct(point.tar),
                f"{_pct(point.false_accepts / point.impostors, 3)} "
                f"({point.false_accepts} / {point.impostors})",
                f"{round((1 - point.tar) * point.genuines)} / {point.genuines}",
            ]
        )
    return rows


def histogram_figure(settings: BenchSettings, genuine: np.ndarray, impostor: np.ndarray, name: str) -> str:
    figure, axes = new_figure()
    bins = np.linspace(-0.4, 1.0, 71)
    axes.hist(impostor[np.isfinite(impostor)], bins=bins, density=True, alpha=0.6, label="impostor pairs")
    axes.hist(genuine[np.isfinite(genuine)], bins=bins, density=True, alpha=0.6, label="genuine pairs")
    axes.axvline(SAME_PERSON_COSINE, color="black", linestyle="--", label=f"threshold {SAME_PERSON_COSINE}")
    axes.set_xlabel("cosine of the two descriptors")
    axes.set_ylabel("density")
    axes.set_yscale("log")
    top = axes.secondary_xaxis("top", functions=(similarity_from_cosine, cosine_from_similarity_array))
    top.set_xticks([0.01, 0.1, 0.5, 0.9, 0.99])
    top.set_xlabel("API similarity")
    axes.legend(loc="upper left", fontsize="small")
    return save(figure, settings.bench_results_dir, name)


def cosine_from_similarity_array(similarity: np.ndarray) -> np.ndarray:
    clipped = np.clip(similarity, 1e-9, 1 - 1e-9)
    return SAME_PERSON_COSINE + np.log(clipped / (1 - clipped)) / SIMILARITY_SLOPE


def roc_figure(settings: BenchSettings, curves: dict[str, tuple[np.ndarray, np.ndarray]], name: str) -> str:
    figure, axes = new_figure()
    for label, (genuine, impostor) in curves.items():
        far, tar = roc_curve(genuine, impostor)
        keep = far > 0
        axes.step(far[keep], tar[keep], where="post", label=label)
    for target in FAR_TARGETS:
        axes.axvline(target, color="grey", linestyle=":", linewidth=0.8)
    axes.set_xscale("log")
    axes.set_xlim(5e-5, 1)
    axes.set_xlabel("false accept rate (impostor pairs accepted)")
    axes.set_ylabel("true accept rate (genuine pairs accepted)")
    axes.grid(True, which="both", alpha=0.3)
    axes.legend(loc="lower right", fontsize="small")
    return save(figure, settings.bench_results_dir, name)


def run(settings: BenchSettings) -> Section:
    engine = FaceEngine.create(settings.models, settings.inference_settings())
    photos = [p for p in load_labels(settings.faces_dir) if p.kind != "invalid"]
    results = {photo.path: analyse(engine, photo) for photo in photos}
    found = {path: count for path, (count, _) in results.items()}
    vectors = {path: vector for path, (_, vector) in results.items()}

    pairs = verification_pairs(photos)
    genuine, impostor = pair_scores(vectors, [(p.a.path, p.b.path, p.genuine) for p in pairs], cosine_matrix)
    decisions = decisions_at(genuine, impostor, SAME_PERSON_COSINE)
    points = [tar_at_far(genuine, impostor, target) for target in FAR_TARGETS]
    protocol = identification_protocol(photos)
    rates = identification_rates(
        [(p.identity, vectors[p.path]) for p in protocol.gallery],
        [(p.identity, vectors[p.path]) for p in protocol.mated],
        [(who, vectors[p.path]) for p, who in zip(protocol.non_mated, protocol.excluded, strict=True)],
        cosine_matrix,
        SAME_PERSON_COSINE,
    )

    section = Section(
        "accuracy",
        "Accuracy on the labelled photos",
        f"{len(photos)} labelled photos of `shared/faces` through the service pipeline (YuNet 2026may on the "
        f"whole image, the face nearest the centre aligned to the ArcFace template, SFace "
        f"`{settings.models.recognizer}`). Verification: every pair of photos of the "
        f"{len(protocol.gallery)} identities with two or more photos ({decisions.genuines} genuine and "
        f"{decisions.impostors} impostor pairs). Identification: the first photo of each such identity "
        f"enrolled, the other {len(protocol.mated)} photos searched; open-set rejection with "
        f"{len(protocol.non_mated)} searches by people not enrolled (each identity left out of the gallery "
        "in turn, plus identities with one photo). Scores are deterministic: no repetition needed.",
    )
    section.highlight(
        f"verification accuracy {_pct(decisions.accuracy)} at the default threshold "
        f"({decisions.false_accepts} false accepts in {decisions.impostors} impostor pairs, "
        f"{decisions.false_rejects} false rejects in {decisions.genuines} genuine pairs); TAR "
        + ", ".join(f"{_pct(p.tar)} at FAR {p.target_far:g}" for p in points)
    )
    section.highlight(
        f"identification rank-1 {_pct(rates.rank1)} ({rates.rank1_hits}/{rates.mated}); open-set rejection "
        f"{_pct(rates.rejection)} ({rates.rejected}/{rates.non_mated})"
    )
    section.table(
        ["operating point", "accuracy", "TAR", "FAR (false accepts)", "false rejects"],
        verification_rows(decisions, points),
        title="Verification",
    )
    hist = histogram_figure(settings, genuine, impostor, "accuracy-histogram.png")
    section.figure(
        hist, "Genuine and impostor cosines (log density); the dashed line is the default threshold"
    )
    roc = roc_figure(
        settings,
        {f"Visage (YuNet + SFace {settings.models.recognizer})": (genuine, impostor)},
        "accuracy-roc.png",
    )
    section.figure(roc, "Verification ROC on the labelled photos; dotted lines at FAR 1e-2 and 1e-3")
    section.table(
        ["measure", "rate", "count"],
        [
            ["rank-1 (closed set)", _pct(rates.rank1), f"{rates.rank1_hits} / {rates.mated}"],
            [
                "rank-1 and above the threshold",
                _pct(rates.rank1_at_threshold),
                f"{rates.rank1_accepted} / {rates.mated}",
            ],
            [
                "open-set rejection (no match for people not enrolled)",
                _pct(rates.rejection),
                f"{rates.rejected} / {rates.non_mated}",
            ],
            ["gallery photos without a face", "", f"{rates.not_enrolled} / {len(protocol.gallery)}"],
        ],
        title="Identification",
    )
    section.table(["photos", "count", "found", "recall"], detection_rows(photos, found), title="Detection")
    section.note(
        "Detection recall is counted from the labels' face counts; the labels have no boxes, so for "
        "multi-face photos a false detection could hide a missed face (the rate is an upper bound)."
    )
    section.table(
        [
            "similarity ≥",
            "cosine ≥",
            "distance ≤",
            "impostor pairs accepted",
            "estimated FMR",
            "95% upper bound",
            "genuine pairs rejected",
        ],
        fmr_rows(genuine, impostor),
        title=FMR_TABLE_TITLE,
    )
    section.note(
        f"The false match rate (FMR) is the share of the {len(impostor)} impostor pairs at or above the "
        f"level; the upper bound is one-sided Clopper-Pearson. Below 1/{len(impostor)} ≈ "
        f"{1 / len(impostor):.1e} no rate can be estimated from these photos (rows with 0 accepted pairs "
        "give only the bound). The "
        f"pairs share photos ({len({p.a.path for p in pairs} | {p.b.path for p in pairs})} photos, "
        f"{len(protocol.gallery)} identities), so they are not independent and the bounds are optimistic; "
        "treat the table as an estimate for photos like these (frontal, mostly celebrities and test images), "
        "not as a guarantee for other populations."
    )
    return section
