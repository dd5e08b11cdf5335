"""Verification and identification rates from similarity scores (higher = more alike), with their counts.

A photo in which a system found no face has no descriptor: its pairs score -inf, so a genuine pair counts as
a false reject and an impostor pair as a correct reject, and a probe without descriptor matches nobody.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

ScoreMatrix = Callable[[np.ndarray, np.ndarray], np.ndarray]  # (N×D, M×D) -> N×M scores


def roc_curve(genuine: np.ndarray, impostor: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(false accept rate, true accept rate) for every threshold, strictest first (both rates ascending)."""
    thresholds = np.unique(
        np.concatenate([genuine, impostor])[np.isfinite(np.concatenate([genuine, impostor]))]
    )
    impostor_sorted, genuine_sorted = np.sort(impostor), np.sort(genuine)
    far = 1 - np.searchsorted(impostor_sorted, thresholds, side="left") / len(impostor)
    tar = 1 - np.searchsorted(genuine_sorted, thresholds, side="left") / len(genuine)
    return far[::-1], tar[::-1]


@dataclass(frozen=True)
class OperatingPoint:
    target_far: float
    threshold: float  # accept scores strictly above it
    tar: float
    false_accepts: int
    impostors: int
    genuines: int


def tar_at_far(genuine: np.ndarray, impostor: np.ndarray, target_far: float) -> OperatingPoint:
    """The best TAR whose threshold accepts at most `target_far` of the impostor pairs."""
    allowed = math.floor(target_far * len(impostor))
    ordered = np.sort(impostor)[::-1]
    threshold = float(ordered[allowed]) if allowed < len(ordered) else -math.inf
    accepted = int((impostor > threshold).sum())
    tar = float((genuine > threshold).mean())
    return OperatingPoint(target_far, threshold, tar, accepted, len(impostor), len(genuine))


@dataclass(frozen=True)
class Decisions:
    threshold: float  # accept scores at or above it
    false_rejects: int
    false_accepts: int
    genuines: int
    impostors: int

    @property
    def accuracy(self) -> float:
        return 1 - (self.false_rejects + self.false_accepts) / (self.genuines + self.impostors)

    @property
    def frr(self) -> float:
        return self.false_rejects / self.genuines

    @property
    def far(self) -> float:
        return self.false_accepts / self.impostors


def decisions_at(genuine: np.ndarray, impostor: np.ndarray, threshold: float) -> Decisions:
    return Decisions(
        threshold,
        int((genuine < threshold).sum()),
        int((impostor >= threshold).sum()),
        len(genuine),
        len(impostor),
    )


def binomial_upper(successes: int, trials: int, confidence: float = 0.95) -> float:
    """One-sided Clopper-Pearson upper bound of a rate seen `successes` times in `trials` (3/n for 0)."""
    if successes >= trials:
        return 1.0
    alpha = 1 - confidence

    def cdf(p: float) -> float:  # P(X <= successes) for X ~ Binomial(trials, p)
        log_terms = [
            math.lgamma(trials + 1)
            - math.lgamma(k + 1)
            - math.lgamma(trials - k + 1)
            + (k * math.log(p) if k else 0.0)
            + (trials - k) * math.log1p(-p)
            for k in range(successes + 1)
        ]
        top = max(log_terms)
        return math.exp(top) * sum(math.exp(t - top) for t in log_terms)

    low, high = successes / trials, 1.0
    for _ in range(60):
        middle = (low + high) / 2
        if cdf(middle) > alpha:
            low = middle
        else:
            high = middle
    return high


@dataclass(frozen=True)
class IdentificationRates:
    rank1_hits: int  # mated probes whose best gallery match is their identity
    rank1_accepted: int  # ... and scores at or above the threshold
    mated: int
    rejected: int  # non-mated probes whose best score is below the threshold
    non_mated: int
    not_enrolled: int  # gallery photos in which no face was found

    @property
    def rank1(self) -> float:
        return self.rank1_hits / self.mated

    @property
    def rank1_at_threshold(self) -> float:
        return self.rank1_accepted / self.mated

    @property
    def rejection(self) -> float:
        return self.rejected / self.non_mated


def rate_text(part: int, whole: int, with_bound: bool = False) -> str:
    """ "4/51 (7.8%)"; with its one-sided 95 % upper bound, "4/51 (7.8%, ≤ 17%)"; "0/0" for nothing."""
    if not whole:
        return "0/0"
    bound = f", ≤ {binomial_upper(part, whole):.0%}" if with_bound else ""
    return f"{part}/{whole} ({part / whole:.1%}{bound})"


def identification_rates(
    gallery: Sequence[tuple[str, np.ndarray | None]],
    mated: Sequence[tuple[str, np.ndarray | None]],
    non_mated: Sequence[tuple[str | None, np.ndarray | None]],
    scores: ScoreMatrix,
    threshold: float,
) -> IdentificationRates:
    """Closed-set rank-1 and open-set rejection. `non_mated` items are (identity left out of the gallery for
    this probe or None, descriptor)."""
    enrolled = [(who, vector) for who, vector in gallery if vector is not None]
    names = np.array([who for who, _ in enrolled])
    matrix = np.stack([vector for _, vector in enrolled])

    def best(vector: np.ndarray | None, leave_out: str | None) -> tuple[str | None, float]:
        if vector is None:
            return None, -math.inf
        row = scores(vector[None, :], matrix)[0].astype(np.float64)
        if leave_out is not None:
            row = np.where(names == leave_out, -np.inf, row)
        index = int(np.argmax(row))
        return str(names[index]), float(row[index])

    hits = accepted = rejected = 0
    for who, vector in mated:
        found, score = best(vector, None)
        hits += found == who
        accepted += found == who and score >= threshold
    for leave_out, vector in non_mated:
        _, score = best(vector, leave_out)
        rejected += score < threshold
    return IdentificationRates(
        hits, accepted, len(mated), rejected, len(non_mated), len(gallery) - len(enrolled)
    )


def pair_scores(
    vectors: dict[str, np.ndarray | None], pairs: Sequence[tuple[str, str, bool]], scores: ScoreMatrix
) -> tuple[np.ndarray, np.ndarray]:
    """(genuine scores, impostor scores) of (path a, path b, genuine) pairs; -inf where a face is missing."""
    genuine, impostor = [], []
    for a, b, same in pairs:
        va, vb = vectors[a], vectors[b]
        score = -math.inf if va is None or vb is None else float(scores(va[None, :], vb[None, :])[0, 0])
        (genuine if same else impostor).append(score)
    return np.array(genuine), np.array(impostor)
