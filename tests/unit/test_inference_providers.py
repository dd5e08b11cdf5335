"""The `execution_provider` setting picks onnxruntime's providers; CPU is the default and the fallback.

This machine has no GPU and the CPU onnxruntime wheel, so a CUDA session cannot run here: the tests check the
providers the setting asks for (with the provider list a GPU build reports given explicitly) and that asking
for CUDA on this build runs the models on the CPU with a warning instead of failing.
"""

from __future__ import annotations

import logging

import numpy as np
import pytest

from libs.config import InferenceSettings, ModelSettings
from libs.faces import Capability, FaceEngine
from libs.inference import CPU, CUDA, execution_providers
from services.detection.settings import DetectionSettings

pytestmark = pytest.mark.unit


def test_cpu_is_the_default() -> None:
    assert InferenceSettings().execution_provider == "cpu"
    assert execution_providers("cpu", available=[CUDA, CPU]) == [CPU]


def test_cuda_comes_first_on_the_chosen_device_with_the_cpu_behind_it() -> None:
    assert execution_providers("cuda", 1, available=[CUDA, CPU]) == [(CUDA, {"device_id": 1}), CPU]


def test_cuda_without_a_cuda_build_runs_on_the_cpu_and_says_so(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="libs.inference"):
        assert execution_providers("cuda", available=[CPU]) == [CPU]
    assert "execution_provider=cuda" in caplog.text and "run on the CPU" in caplog.text


def test_a_service_reads_the_setting_from_its_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VISAGE_DETECTION_INFERENCE__EXECUTION_PROVIDER", "cuda")
    monkeypatch.setenv("VISAGE_DETECTION_INFERENCE__CUDA_DEVICE", "1")
    inference = DetectionSettings().inference
    assert (inference.execution_provider, inference.cuda_device) == ("cuda", 1)
    monkeypatch.setenv("VISAGE_DETECTION_INFERENCE__EXECUTION_PROVIDER", "tpu")
    with pytest.raises(ValueError, match="execution_provider"):
        DetectionSettings()


def test_an_engine_asked_for_cuda_on_this_cpu_build_still_detects(
    model_settings: ModelSettings, caplog: pytest.LogCaptureFixture
) -> None:
    inference = InferenceSettings(intra_op_threads=1, execution_provider="cuda")
    with caplog.at_level(logging.WARNING, logger="libs.inference"):
        engine = FaceEngine.create(model_settings, inference, uses={Capability.DETECT})
    assert "run on the CPU" in caplog.text
    blank = np.zeros((240, 320, 3), dtype=np.uint8)
    assert engine.detect(blank) == []  # it ran (on the CPU): a blank image has no face
