"""The three comparison scales convert exactly and agree on the one threshold."""

from __future__ import annotations

import numpy as np
import pytest

from libs.faces import compare

pytestmark = pytest.mark.unit


def test_distance_is_the_l2_distance_between_unit_descriptors() -> None:
    rng = np.random.default_rng(5)
    a, b = rng.normal(size=(2, 128))
    a, b = a / np.linalg.norm(a), b / np.linalg.norm(b)
    cos = compare.cosine(a, b)
    assert compare.distance_from_cosine(cos) == pytest.approx(float(np.linalg.norm(a - b)))
    assert compare.cosine_from_distance(compare.distance_from_cosine(cos)) == pytest.approx(cos)


def test_scale_ends() -> None:
    assert compare.distance_from_cosine(1.0) == 0.0
    assert compare.distance_from_cosine(-1.0) == pytest.approx(2.0)
    assert compare.similarity_from_cosine(1.0) > 0.999
    assert compare.similarity_from_cosine(-1.0) < 1e-6


def test_threshold_means_the_same_on_every_scale() -> None:
    distance = compare.distance_from_cosine(compare.SAME_PERSON_COSINE)
    assert distance == pytest.approx(compare.SAME_PERSON_DISTANCE)
    assert compare.similarity_from_cosine(compare.SAME_PERSON_COSINE) == pytest.approx(0.5)
    assert compare.is_same_person(compare.SAME_PERSON_COSINE)
    assert not compare.is_same_person(np.nextafter(compare.SAME_PERSON_COSINE, 0))


def test_similarity_rises_with_cosine_and_distance_falls() -> None:
    cosines = np.linspace(-1, 1, 201)
    assert np.all(np.diff(compare.similarity_from_cosine(cosines)) > 0)
    assert np.all(np.diff(compare.distance_from_cosine(cosines)) < 0)


def test_cosine_matrix_matches_pairwise_cosines() -> None:
    rng = np.random.default_rng(9)
    a, b = rng.normal(size=(3, 16)), rng.normal(size=(4, 16))
    matrix = compare.cosine_matrix(a, b)
    assert matrix.shape == (3, 4)
    assert matrix[2, 1] == pytest.approx(compare.cosine(a[2], b[1]))
    assert compare.cosine(np.zeros(4), np.ones(4)) == 0.0
