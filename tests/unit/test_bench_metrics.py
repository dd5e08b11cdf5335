"""The rates the benchmark report publishes: operating points, confidence bounds, identification, tables."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from bench.lfw import pair_cosines, read_pairs
from bench.metrics import binomial_upper, decisions_at, identification_rates, roc_curve, tar_at_far
from bench.section import Section
from bench.synthetic import DescriptorModel, ExactIndex
from libs.faces import cosine_matrix

pytestmark = pytest.mark.unit


def test_tar_at_far_never_accepts_more_impostors_than_the_target_allows() -> None:
    impostor = np.linspace(0.0, 0.5, 1000)  # the 11th highest is 0.49499
    genuine = np.array([0.3, 0.49, 0.499, 0.6, 0.9])
    point = tar_at_far(genuine, impostor, 1e-2)
    assert point.false_accepts == 10  # exactly 1 % of 1000 pass: those strictly above the 11th highest
    assert point.false_accepts / point.impostors <= 1e-2
    assert point.tar == pytest.approx(3 / 5)  # 0.499, 0.6 and 0.9 are above the threshold


def test_decisions_count_a_missing_face_as_a_reject() -> None:
    genuine = np.array([0.9, 0.8, -math.inf])
    impostor = np.array([0.1, 0.5, -math.inf])
    decisions = decisions_at(genuine, impostor, 0.38)
    assert (decisions.false_rejects, decisions.false_accepts) == (1, 1)
    assert decisions.accuracy == pytest.approx(4 / 6)


def test_roc_rates_rise_together_as_the_threshold_loosens() -> None:
    rng = np.random.default_rng(0)
    far, tar = roc_curve(rng.normal(0.7, 0.1, 300), rng.normal(0.1, 0.1, 3000))
    assert np.all(np.diff(far) >= 0) and np.all(np.diff(tar) >= 0)
    assert far[-1] == pytest.approx(1.0) and tar[-1] == pytest.approx(1.0)


def test_upper_bound_follows_the_rule_of_three_and_covers_the_observed_rate() -> None:
    assert binomial_upper(0, 15000) == pytest.approx(-math.log(0.05) / 15000, rel=0.01)
    assert 12 / 15000 < binomial_upper(12, 15000) < 25 / 15000
    assert binomial_upper(5, 5) == 1.0


def test_identification_ranks_and_rejects_by_the_best_gallery_match() -> None:
    east, north, west = np.array([1.0, 0.0]), np.array([0.0, 1.0]), np.array([-1.0, 0.0])
    gallery = [("ann", east), ("bob", north), ("cy", None)]
    mated = [("ann", np.array([0.9, 0.1])), ("bob", np.array([0.9, 0.2])), ("cy", east)]
    # Ann's probe with Ann left out must not match Bob; a stranger facing west matches nobody.
    non_mated = [("ann", np.array([0.95, 0.05])), (None, west)]
    rates = identification_rates(gallery, mated, non_mated, cosine_matrix, 0.38)
    assert (rates.rank1_hits, rates.mated, rates.not_enrolled) == (1, 3, 1)
    assert (rates.rejected, rates.non_mated) == (2, 2)


def test_synthetic_descriptors_match_the_requested_impostor_cosine() -> None:
    rng = np.random.default_rng(1)
    real = rng.normal(0.3, 1.0, (200, 128))
    real /= np.linalg.norm(real, axis=1, keepdims=True)
    model = DescriptorModel.fit(real, 0.1)
    sample = model.sample(500, rng)
    assert np.allclose(np.linalg.norm(sample, axis=1), 1.0, atol=1e-5)
    assert model.mean_pair_cosine(rng) == pytest.approx(0.1, abs=0.01)


def test_exact_index_finds_the_nearest_vector_within_a_group() -> None:
    index = ExactIndex(dimension=2)
    vectors = np.array([[1.0, 0.0], [0.8, 0.6], [0.0, 1.0]], dtype=np.float32)
    index.add(["a", "b", "c"], vectors, np.array([0, 1, 1]))
    query = np.array([1.0, 0.0], dtype=np.float32)
    assert index.search(query, 1)[0][0] == "a"
    assert index.search(query, 1, group=1)[0][0] == "b"
    assert [hit[0] for hit in index.search(query, 5, group=1)] == ["b", "c"]


def test_a_section_round_trips_through_storage_and_renders_a_markdown_table(tmp_path: Path) -> None:
    section = Section("demo", "Demo", "How it was measured.")
    section.table(["stage", "ms", "ratio"], [["detect", "4.80", "1.14"]], title="Stages")
    section.note("A note.")
    section.highlight("detect 4.8 ms")
    loaded = Section.load(section.save(tmp_path))
    assert loaded == section
    markdown = loaded.markdown()
    assert "| stage | ms | ratio |" in markdown and "|---|---:|---:|" in markdown
    assert "| detect | 4.80 | 1.14 |" in markdown


def test_lfw_pairs_are_read_by_fold_and_a_missing_face_fails_its_pair(tmp_path: Path) -> None:
    # View 2's layout: a header "folds pairs-per-kind", then per fold the genuine lines, then the impostors.
    (tmp_path / "lfw_dir_names").mkdir()
    (tmp_path / "lfw_dir_names" / "pairs.txt").write_text(
        "2\t1\nAnn\t1\t2\nAnn\t1\tBob\t1\nBob\t1\t3\nCid\t2\tAnn\t2\n"
    )
    pairs = read_pairs(tmp_path)
    assert [(p.a, p.b, p.genuine, p.fold) for p in pairs] == [
        ("Ann/Ann_0001.jpg", "Ann/Ann_0002.jpg", True, 0),
        ("Ann/Ann_0001.jpg", "Bob/Bob_0001.jpg", False, 0),
        ("Bob/Bob_0001.jpg", "Bob/Bob_0003.jpg", True, 1),
        ("Cid/Cid_0002.jpg", "Ann/Ann_0002.jpg", False, 1),
    ]
    unit = np.array([1.0, 0.0], dtype=np.float32)
    vectors = {"Ann/Ann_0001.jpg": unit, "Ann/Ann_0002.jpg": unit, "Bob/Bob_0001.jpg": None}
    cosines = pair_cosines(vectors, pairs)
    assert cosines[0] == pytest.approx(1.0)
    assert np.isneginf(
        cosines[1:]
    ).all()  # no face (or no photo): the genuine pair fails, the impostor is refused
