"""Runs an ONNX model that nnt exported, node by node, with torch in float64: an independent
check of the graph where ONNX Runtime cannot run it (its CPU build has no float64 Conv or
AveragePool). The file is parsed by the onnx package and passed through onnx.checker
(full_check: shape inference too); each node is computed by torch.nn.functional following
the ONNX operator spec (opset 13), not by nnt's code.

    /usr/bin/python3 scripts/onnx_torch_run.py MODEL INPUT.f64 ROWS COLS OUT_PREFIX [MODEL INPUT.f64 ROWS COLS OUT_PREFIX ...]

INPUT.f64 holds ROWS×COLS little-endian float64; writes OUT_PREFIX.<output>.f64 (float64) for
every graph output and prints their shapes as JSON, one line per model (several models in one
process: importing torch is most of a run's time). Needs torch and onnx (Debian:
python3-torch python3-onnx).
"""
import json
import struct
import sys

import onnx
import torch
import torch.nn.functional as F
from onnx import numpy_helper


def attrs(node):
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def symmetric(pads, node):
    """ONNX pads are [begin..., end...]; torch's functional pools take one pad per axis."""
    half = len(pads) // 2
    if list(pads[:half]) != list(pads[half:]):
        raise SystemExit("%s: asymmetric pads %s" % (node.name, pads))
    return tuple(pads[:half])


def window(a, node, spatial=2):
    assert a.get("auto_pad", b"NOTSET") in (b"NOTSET", "NOTSET"), node.name
    assert a.get("ceil_mode", 0) == 0 and a.get("storage_order", 0) == 0, node.name
    assert list(a.get("dilations", [1] * spatial)) == [1] * spatial, node.name
    return tuple(a["kernel_shape"]), tuple(a.get("strides", [1] * spatial)), symmetric(a.get("pads", [0] * 2 * spatial), node)


def gemm(x, w, b, a):
    if a.get("transA", 0):
        x = x.t()
    if a.get("transB", 0):
        w = w.t()
    return a.get("alpha", 1.0) * (x @ w) + (a.get("beta", 1.0) * b if b is not None else 0)


def run_node(node, v):
    a, x = attrs(node), [v[name] if name else None for name in node.input]
    op = node.op_type
    if op == "Reshape":
        return x[0].reshape([int(d) for d in x[1].tolist()])
    if op == "Flatten":
        axis = a.get("axis", 1)
        return x[0].reshape(int(torch.tensor(x[0].shape[:axis]).prod()), -1)
    if op == "Gemm":
        return gemm(x[0], x[1], x[2] if len(x) > 2 else None, a)
    if op == "Relu":
        return torch.relu(x[0])
    if op == "Sigmoid":
        return torch.sigmoid(x[0])
    if op in ("Dropout", "Identity"):
        return x[0]  # inference: the identity
    if op == "BatchNormalization":
        return F.batch_norm(x[0], x[3], x[4], x[1], x[2], training=False, eps=a.get("epsilon", 1e-5))
    if op == "Conv":
        kernel, strides, pads = window(a, node)
        assert tuple(x[1].shape[2:]) == kernel and a.get("group", 1) == 1, node.name
        return F.conv2d(x[0], x[1], x[2] if len(x) > 2 else None, stride=strides, padding=pads)
    if op == "MaxPool":
        kernel, strides, pads = window(a, node)
        return F.max_pool2d(x[0], kernel, strides, pads)  # pads with −∞, as ONNX
    if op == "AveragePool":
        kernel, strides, pads = window(a, node)
        return F.avg_pool2d(x[0], kernel, strides, pads, count_include_pad=bool(a.get("count_include_pad", 0)))
    if op == "Max":
        out = x[0]
        for other in x[1:]:
            out = torch.maximum(out, other)  # broadcasting, as ONNX's Max
        return out
    if op == "Pad":
        assert a.get("mode", b"constant") in (b"constant", "constant"), node.name
        pads = [int(p) for p in x[1].tolist()]
        half = len(pads) // 2
        # torch's F.pad lists (begin, end) from the last axis backwards.
        torch_pads = [p for axis in reversed(range(half)) for p in (pads[axis], pads[axis + half])]
        value = float(x[2]) if len(x) > 2 and x[2] is not None else 0.0
        return F.pad(x[0], torch_pads, value=value)
    if op == "Softmax":
        return torch.softmax(x[0], dim=a.get("axis", -1))
    raise SystemExit("onnx_torch_run.py: no rule for %s (%s)" % (op, node.name))


def main(model_file, input_file, rows, cols, prefix):
    model = onnx.load(model_file)
    onnx.checker.check_model(model, full_check=True)
    graph = model.graph
    v = {t.name: torch.from_numpy(numpy_helper.to_array(t).copy()) for t in graph.initializer}
    with open(input_file, "rb") as f:
        data = f.read()
    n = int(rows) * int(cols)
    elem = graph.input[0].type.tensor_type.elem_type
    dtype = torch.float64 if elem == onnx.TensorProto.DOUBLE else torch.float32
    v[graph.input[0].name] = torch.tensor(struct.unpack("<%dd" % n, data[:8 * n]), dtype=torch.float64).reshape(int(rows), int(cols)).to(dtype)
    with torch.no_grad():
        for node in graph.node:
            v[node.output[0]] = run_node(node, v)
    shapes = {}
    for out in graph.output:
        t = v[out.name]
        values = t.to(torch.float64).flatten().tolist()
        with open("%s.%s.f64" % (prefix, out.name), "wb") as f:
            f.write(struct.pack("<%dd" % len(values), *values))
        shapes[out.name] = {"type": str(t.dtype).replace("torch.", ""), "dims": list(t.shape)}
    print(json.dumps({"opset": model.opset_import[0].version, "outputs": shapes}))


if __name__ == "__main__":
    args = sys.argv[1:]
    if not args or len(args) % 5:
        raise SystemExit(__doc__)
    for i in range(0, len(args), 5):
        main(*args[i:i + 5])
