"""onnxruntime sessions for the face models, with the model fixes that make them load cleanly and run fast.

Every model goes through `prepare_model` before onnxruntime sees it. The fixes are exact rewrites (outputs
match the untouched file within 2e-6) and were chosen by measurement on this 2-core machine (SFace int8bq, one
112×112 crop, 2 threads, one session alone, medians; the machine was shared, so ±20 %):

    official file, unused inputs stripped only ........................ 30 ms
    + `session.disable_quant_qdq` ..................................... 21 ms
    + block-quantised weights folded to fp32 at load .................. 16-20 ms
    + PRelu rewritten as Relu + per-channel scales (this module) ...... 9-10 ms  (OpenCV 5's own path: 12 ms)

Why the PRelu rewrite pays: onnxruntime runs convolutions in its blocked NCHWc layout, but has no NCHWc PRelu,
so every PRelu costs a layout change back and forth plus a slow broadcasting kernel (together 60 % of SFace's
time). `PRelu(x) = s·x + (1-s)·Relu(x)` is built from ops that stay in NCHWc: a per-channel scale is a
BatchNormalization (turned into a 1×1 depthwise conv whose sum input takes the other branch). MiniFASNet gains
30 % from the same rewrite.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np
import onnx
import onnxruntime as ort
from onnx import helper, numpy_helper

CPU = "CPUExecutionProvider"
CUDA = "CUDAExecutionProvider"
# What `InferenceSession(providers=...)` takes: a provider name, or a name with its options.
Provider = str | tuple[str, dict[str, Any]]

_log = logging.getLogger(__name__)


def execution_providers(
    choice: Literal["cpu", "cuda"], cuda_device: int = 0, available: Collection[str] | None = None
) -> list[Provider]:
    """The onnxruntime providers for the `execution_provider` setting, CPU last as the fallback.

    "cuda" without a CUDA provider in this onnxruntime build (the CPU wheel) logs why and runs on the CPU.
    `available`: the build's providers (tests); None asks onnxruntime.
    """
    if choice == "cpu":
        return [CPU]
    if available is None:
        available = ort.get_available_providers()
        if CUDA in available and hasattr(ort, "preload_dlls"):
            # onnxruntime-gpu finds CUDA and cuDNN installed as nvidia-* wheels only once they are preloaded.
            ort.preload_dlls()
    if CUDA not in available:
        _log.warning(
            "execution_provider=cuda, but this onnxruntime has no CUDA provider (it has %s; the GPU image"
            " installs onnxruntime-gpu): the models run on the CPU",
            ", ".join(available),
        )
        return [CPU]
    return [(CUDA, {"device_id": cuda_device}), CPU]


def create_session(
    model: Path | bytes,
    threads: int,
    *,
    dynamic_batch: bool = False,
    providers: Sequence[Provider] = (CPU,),
) -> ort.InferenceSession:
    """Load an ONNX model: `threads` intra-op threads, sequential, fully optimised, quiet.

    `dynamic_batch` turns a fixed batch dimension of 1 into a free one, for models whose graph allows it.
    `providers` comes from `execution_providers`; a GPU that the CUDA provider then cannot use (no driver, no
    device) leaves the session on the CPU, with a warning.
    """
    proto = onnx.load_from_string(model) if isinstance(model, bytes) else onnx.load(str(model))
    prepared = prepare_model(proto, dynamic_batch=dynamic_batch)
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3  # errors only
    # Idle worker threads sleep instead of spinning. A face request runs four sessions and OpenCV in turn on
    # few cores, and threads still spinning for the previous session starve the next one. Whole pipeline on
    # a 640×480 photo, this 2-core machine (busy), 2 threads: default spinning 49-55 ms and 26 requests/s
    # from 2 client threads; no spinning 20 ms and 64/s; spinning only inside a run (force_spinning_stop)
    # 17 ms but 46/s.
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    session = ort.InferenceSession(prepared.SerializeToString(), options, providers=list(providers))
    wanted = [provider if isinstance(provider, str) else provider[0] for provider in providers]
    if wanted[0] != CPU and session.get_providers()[0] != wanted[0]:
        _log.warning("%s could not be used for a model: it runs on the CPU", wanted[0])
    return session


def class_probabilities(session: ort.InferenceSession, blob: np.ndarray) -> np.ndarray:
    """A classifier's first output for the batch `blob`: N×C float64 rows, renormalised to sum to 1."""
    output = session.run(None, {session.get_inputs()[0].name: blob})[0].astype(np.float64)
    return output / output.sum(axis=1, keepdims=True)


def prepare_model(model: onnx.ModelProto, *, dynamic_batch: bool = False) -> onnx.ModelProto:
    """A fixed copy of `model`: clean inputs, fp32 weights, NCHWc-friendly PRelu, optionally a free batch."""
    model = _copy(model)
    _drop_constant_and_unused_inputs(model.graph)
    _fold_constant_dequantize(model.graph)
    _rewrite_prelu(model)
    _drop_unused_initializers(model.graph)
    if dynamic_batch:
        _free_batch_dimension(model.graph)
    return model


def _copy(model: onnx.ModelProto) -> onnx.ModelProto:
    copy = onnx.ModelProto()
    copy.CopyFrom(model)
    return copy


def _drop_constant_and_unused_inputs(graph: onnx.GraphProto) -> None:
    # An initializer listed as a graph input may be overridden at run time, so onnxruntime can neither fold it
    # nor fuse BatchNormalization into Conv; an input no node reads is demanded at every call all the same.
    initializers = {tensor.name for tensor in graph.initializer}
    used = {name for node in graph.node for name in node.input} | {out.name for out in graph.output}
    kept = [value for value in graph.input if value.name in used and value.name not in initializers]
    del graph.input[:]
    graph.input.extend(kept)


def _dequantize(
    quantized: np.ndarray, scale: np.ndarray, zero: np.ndarray, axis: int, block: int
) -> np.ndarray:
    """DequantizeLinear in numpy: per-tensor, per-axis or blocked along `axis` (opset 21)."""
    values = quantized.astype(np.float32)
    if scale.ndim == 0 or scale.size == 1:
        return (values - zero.astype(np.float32).reshape(())) * scale.astype(np.float32).reshape(())
    axis %= values.ndim
    if block:
        scale = np.repeat(scale, block, axis=axis).take(range(values.shape[axis]), axis=axis)
        zero = np.repeat(zero, block, axis=axis).take(range(values.shape[axis]), axis=axis)
    else:
        shape = [1] * values.ndim
        shape[axis] = -1
        scale, zero = scale.reshape(shape), zero.reshape(shape)
    return (values - zero.astype(np.float32)) * scale.astype(np.float32)


def _fold_constant_dequantize(graph: onnx.GraphProto) -> None:
    # onnxruntime keeps DequantizeLinear nodes of QDQ models on purpose (for int8 kernels), but the CPU has no
    # int8 kernel for blocked weights, so the official SFace file dequantized all its weights at every call.
    initializers = {tensor.name: tensor for tensor in graph.initializer}
    folded: dict[str, np.ndarray] = {}
    kept: list[onnx.NodeProto] = []
    for node in graph.node:
        if node.op_type == "DequantizeLinear" and all(name in initializers for name in node.input if name):
            attributes = {a.name: helper.get_attribute_value(a) for a in node.attribute}
            arrays = [numpy_helper.to_array(initializers[name]) for name in node.input if name]
            zero = arrays[2] if len(arrays) > 2 else np.zeros_like(arrays[1])
            folded[node.output[0]] = _dequantize(
                arrays[0], arrays[1], zero, attributes.get("axis", 1), attributes.get("block_size", 0)
            )
        elif node.op_type == "Reshape" and node.input[0] in folded and node.input[1] in initializers:
            shape = numpy_helper.to_array(initializers[node.input[1]])
            # The unreshaped value stays: another node may read it (unread ones are dropped later).
            folded[node.output[0]] = folded[node.input[0]].reshape(shape)
        else:
            kept.append(node)
    if not folded:
        return
    del graph.node[:]
    graph.node.extend(kept)
    graph.initializer.extend(numpy_helper.from_array(array, name) for name, array in folded.items())


def _rank_four_tensors(model: onnx.ModelProto) -> set[str]:
    inferred = onnx.shape_inference.infer_shapes(model)
    values = [*inferred.graph.value_info, *inferred.graph.input, *inferred.graph.output]
    return {
        v.name
        for v in values
        if v.type.tensor_type.HasField("shape") and len(v.type.tensor_type.shape.dim) == 4
    }


def _rewrite_prelu(model: onnx.ModelProto) -> None:
    """PRelu(x) = BN(x; scale s) + BN(Relu(x); scale 1-s), for constant per-channel slopes on 4-D tensors."""
    graph = model.graph
    initializers = {tensor.name: tensor for tensor in graph.initializer}
    candidates = [n for n in graph.node if n.op_type == "PRelu" and n.input[1] in initializers]
    if not candidates:
        return
    four_d = _rank_four_tensors(model)
    nodes: list[onnx.NodeProto] = []
    for node in graph.node:
        x, slope_name = (node.input[0], node.input[1]) if node.op_type == "PRelu" else ("", "")
        slope = numpy_helper.to_array(initializers[slope_name]) if slope_name in initializers else None
        # Only slopes that broadcast per channel, i.e. shape (C,1,1) or (1,C,1,1), against a 4-D input.
        if slope is None or x not in four_d or slope.ndim < 3 or slope.size != slope.shape[-3]:
            nodes.append(node)
            continue
        out = node.output[0]
        s = slope.reshape(-1).astype(np.float32)
        zeros, ones = np.zeros_like(s), np.ones_like(s)
        for suffix, array in (("s", s), ("1ms", 1.0 - s), ("zero", zeros), ("one", ones)):
            graph.initializer.append(numpy_helper.from_array(array, f"{out}__prelu_{suffix}"))
        p = f"{out}__prelu_"
        nodes += [
            helper.make_node("Relu", [x], [p + "relu"]),
            helper.make_node(
                "BatchNormalization", [x, p + "s", p + "zero", p + "zero", p + "one"], [p + "a"], epsilon=0.0
            ),
            helper.make_node(
                "BatchNormalization",
                [p + "relu", p + "1ms", p + "zero", p + "zero", p + "one"],
                [p + "b"],
                epsilon=0.0,
            ),
            helper.make_node("Add", [p + "a", p + "b"], [out]),
        ]
    del graph.node[:]
    graph.node.extend(nodes)


def _drop_unused_initializers(graph: onnx.GraphProto) -> None:
    # onnxruntime warns about every initializer no node reads.
    used = {name for node in graph.node for name in node.input}
    kept = [tensor for tensor in graph.initializer if tensor.name in used]
    del graph.initializer[:]
    graph.initializer.extend(kept)


def _free_batch_dimension(graph: onnx.GraphProto) -> None:
    for value in (*graph.input, *graph.output):
        dims = value.type.tensor_type.shape.dim
        if dims and dims[0].HasField("dim_value"):
            dims[0].dim_param = "batch"
    # Intermediate shapes recorded for batch 1 would contradict the free dimension.
    del graph.value_info[:]
