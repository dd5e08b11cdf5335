"""Synthetic face descriptors for search at scale, and the exact search they are checked against.

Real SFace descriptors are not spread evenly over the sphere: they share a mean direction (two photos of
different people have a cosine around 0.1, not 0) and their variance sits in few directions (on shared/faces
the first 10 of 128 principal directions carry 40 % of it). The generator keeps both: the real mean, and the
real covariance's spectrum laid along random directions, scaled so that synthetic pairs have the same mean
cosine as real impostor pairs. Random directions keep the synthetic faces from clustering around the few
hundred photos the covariance was estimated from, which include the probes (synthetic-to-probe cosines then
have a tail like real impostors': 99.9th percentile 0.35 against 0.37); the real spectrum keeps the data as
easy or hard for an approximate index as faces are, where noise spread over all 128 directions would make
the index's job unrealistically hard (recall@1 of the same HNSW index drops from 1.0 to about 0.85).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class DescriptorModel:
    mean: np.ndarray  # (128,)
    mixing: np.ndarray  # 128×128: standard normal vectors times its transpose have the model's covariance
    target_cosine: float  # mean cosine of real impostor pairs

    @classmethod
    def fit(cls, real: np.ndarray, impostor_cosine: float, seed: int = 0) -> DescriptorModel:
        """Fit to real unit descriptors (N×128) so that synthetic pairs average `impostor_cosine`."""
        mean = real.mean(axis=0)
        values = np.clip(np.linalg.eigvalsh(np.cov(real, rowvar=False)), 0.0, None)
        directions, _ = np.linalg.qr(np.random.default_rng(seed).standard_normal((mean.size, mean.size)))
        mixing = directions * np.sqrt(values)
        low, high = 0.05, 20.0
        for _ in range(40):  # bisection on the spread's scale: more spread, lower mean cosine
            scale = (low + high) / 2
            cosine = cls(mean, mixing * scale, impostor_cosine).mean_pair_cosine(np.random.default_rng(seed))
            low, high = (scale, high) if cosine > impostor_cosine else (low, scale)
        return cls(mean, mixing * (low + high) / 2, impostor_cosine)

    def sample(self, count: int, rng: np.random.Generator) -> np.ndarray:
        """`count`×128 float32 unit vectors."""
        raw = self.mean + rng.standard_normal((count, self.mean.size)) @ self.mixing.T
        raw /= np.linalg.norm(raw, axis=1, keepdims=True)
        return raw.astype(np.float32)

    def mean_pair_cosine(self, rng: np.random.Generator, pairs: int = 4000) -> float:
        a, b = self.sample(pairs, rng), self.sample(pairs, rng)
        return float(np.mean(np.sum(a * b, axis=1)))


def batches(total: int, size: int) -> Iterator[tuple[int, int]]:
    for start in range(0, total, size):
        yield start, min(total, start + size)


class ExactIndex:
    """Brute-force cosine search over every stored vector: the ground truth for an approximate index."""

    def __init__(self, dimension: int = 128, capacity: int = 0) -> None:
        self._vectors = np.zeros((max(capacity, 1), dimension), dtype=np.float32)
        self._groups = np.zeros(max(capacity, 1), dtype=np.int32)
        self.ids: list[str] = []
        self._size = 0
        self._members: dict[int, np.ndarray] = {}  # rows of each group, built on first use

    def add(self, ids: Sequence[str], vectors: np.ndarray, groups: np.ndarray) -> None:
        """`groups[i]` is the integer group of vector i (one group per vector)."""
        end = self._size + len(ids)
        if end > len(self._vectors):
            grown = max(end, 2 * len(self._vectors))
            self._vectors = np.resize(self._vectors, (grown, self._vectors.shape[1]))
            self._groups = np.resize(self._groups, grown)
        self._vectors[self._size : end] = vectors
        self._groups[self._size : end] = groups
        self.ids.extend(ids)
        self._size = end
        self._members.clear()

    def __len__(self) -> int:
        return self._size

    def search(self, query: np.ndarray, limit: int, group: int | None = None) -> list[tuple[str, float]]:
        """(id, cosine) of the `limit` nearest, best first; only vectors of `group` when given."""
        if group is None:
            rows = np.arange(self._size)
            scores = self._vectors[: self._size] @ query.astype(np.float32)
        else:
            if group not in self._members:
                self._members[group] = np.flatnonzero(self._groups[: self._size] == group)
            rows = self._members[group]
            scores = self._vectors[rows] @ query.astype(np.float32)
        if not len(rows):
            return []
        top = np.argpartition(-scores, min(limit, len(rows) - 1))[:limit]
        top = top[np.argsort(-scores[top])]
        return [(self.ids[rows[i]], float(scores[i])) for i in top]
