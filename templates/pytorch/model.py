"""An nnt network as torch.nn modules, with the weights nnt exported.

Written by `nnt export WEIGHTS --format pytorch --out DIR` next to config.json and
weights.safetensors. Needs only torch (no numpy, no safetensors package):

    python3 model.py                         # accuracy on the test set
    python3 model.py --probabilities P.f64   # also write the softmax probabilities (float64)

In your own code:  from model import load;  net = load()  (eval mode, nnt's weights).
"""
import argparse
import gzip
import json
import os
import struct

import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
DTYPES = {"F64": torch.float64, "F32": torch.float32}


# ---- safetensors: 8-byte little-endian header length, JSON header, the tensors' bytes ----

def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + n])
    meta = header.pop("__metadata__", {})
    tensors = {}
    for name, e in sorted(header.items(), key=lambda kv: kv[1]["data_offsets"][0]):
        begin, end = e["data_offsets"]
        raw = bytearray(data[8 + n + begin:8 + n + end])
        t = torch.frombuffer(raw, dtype=DTYPES[e["dtype"]]) if raw else torch.zeros(0, dtype=DTYPES[e["dtype"]])
        tensors[name] = t.reshape(e["shape"])
    return tensors, meta


def write_safetensors(path, tensors, meta):
    """tensors: name -> float64 tensor, written as F64 in this order."""
    header, blobs, offset = {"__metadata__": meta}, [], 0
    for name, t in tensors.items():
        values = t.detach().to(torch.float64).cpu().contiguous().flatten().tolist()
        blob = struct.pack("<%dd" % len(values), *values)
        header[name] = {"dtype": "F64", "shape": list(t.shape), "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)  # the data starts 8-byte aligned
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))
    os.replace(tmp, path)


# ---- the network: one entry per nnt layer type ----
# Each entry takes the layer's spec, the shape of one sample reaching it ((features,) or
# (C, H, W)) and batch norm's ε, and gives the module and the shape it outputs.

def _pair(size):
    return (size, size) if isinstance(size, int) else tuple(size)


def _window(spec, shape, default_stride):
    fh, fw = _pair(spec["size"])
    stride, pad = spec.get("stride", default_stride), spec.get("pad", 0)
    return (fh, fw), stride, pad, ((shape[1] + 2 * pad - fh) // stride + 1, (shape[2] + 2 * pad - fw) // stride + 1)


def _conv(spec, shape, eps):
    size, stride, pad, out = _window(spec, shape, 1)
    # nnt's W is FN×C×FH×FW, torch's Conv2d weight the same: no transpose.
    return nn.Conv2d(shape[0], spec["filters"], size, stride=stride, padding=pad), (spec["filters"],) + out


def _pool(spec, shape, eps):
    size, stride, pad, out = _window(spec, shape, _pair(spec["size"])[0])
    if spec.get("mode", "max") == "avg":
        # nnt divides by FH·FW, the padding's zeros included.
        return nn.AvgPool2d(size, stride, pad, count_include_pad=True), (shape[0],) + out
    # nnt's max pool pads with zeros (the book's np.pad); MaxPool2d's own padding is −∞.
    pool = nn.MaxPool2d(size, stride)
    return (nn.Sequential(nn.ZeroPad2d(pad), pool) if pad else pool), (shape[0],) + out


def _numel(shape):
    n = 1
    for d in shape:
        n *= d
    return n


LAYERS = {
    "affine": lambda spec, shape, eps: (nn.Linear(shape[0], spec["units"]), (spec["units"],)),
    "relu": lambda spec, shape, eps: (nn.ReLU(), shape),
    "sigmoid": lambda spec, shape, eps: (nn.Sigmoid(), shape),
    # nnt's dropout is inverted dropout, as torch's: the identity in eval mode.
    "dropout": lambda spec, shape, eps: (nn.Dropout(spec["ratio"]), shape),
    # nnt: running = 0.9·running + 0.1·batch, i.e. torch's momentum 0.1; ε as nnt's.
    "batchnorm": lambda spec, shape, eps: (nn.BatchNorm1d(shape[0], eps=eps, momentum=0.1), shape),
    "conv": _conv,
    "pool": _pool,
}
IMAGE_LAYERS = ("conv", "pool")
# nnt's affine and batch norm see an image as one vector of C·H·W features.
FLAT_LAYERS = ("affine", "batchnorm")

# nnt array name suffix -> (torch attribute, transposed?). nnt's affine W is inputs × units,
# torch's Linear weight is units × inputs.
ARRAYS = {
    "affine": {"W": ("weight", True), "b": ("bias", False)},
    "conv": {"W": ("weight", False), "b": ("bias", False)},
    "batchnorm": {"gamma": ("weight", False), "beta": ("bias", False),
                  "running_mean": ("running_mean", False), "running_var": ("running_var", False)},
}


class Net(nn.Module):
    """nnt's layers in order; forward gives the logits (nnt's softmax sits in the loss).

    The input is N × input_size, as nnt reads it; before a conv or pool layer it is viewed as
    N×C×H×W (input_shape), before an affine or batch-norm layer flattened, as in nnt (a
    conv or pool after a batch norm sees the image again).
    """

    def __init__(self, layers, input_size, eps, input_shape=None):
        super().__init__()
        modules, views, self.names, counts = [], [], [], {}
        # image: the C×H×W the sample had before it was last flattened (at first, the input's).
        shape, image = (input_size,), input_shape
        for spec in layers:
            kind = spec["type"]
            if kind not in LAYERS:
                raise SystemExit("model.py: nnt layer type %r is not supported here" % kind)
            counts[kind] = counts.get(kind, 0) + 1
            self.names.append("%s%d" % (kind, counts[kind]))
            view = nn.Identity()
            if kind in IMAGE_LAYERS and len(shape) == 1:
                shape = tuple(image)
                view = nn.Unflatten(1, shape)
            elif kind in FLAT_LAYERS and len(shape) == 3:
                shape, image = (_numel(shape),), shape
                view = nn.Flatten()
            module, shape = LAYERS[kind](spec, shape, eps)
            modules.append(module)
            views.append(view)
        self.kinds = [spec["type"] for spec in layers]
        self.layers = nn.ModuleList(modules)
        self.views = nn.ModuleList(views)

    def forward(self, x):
        for view, layer in zip(self.views, self.layers):
            x = layer(view(x))
        return x

    def _pairs(self):
        for name, kind, module in zip(self.names, self.kinds, self.layers):
            for suffix, (attr, transposed) in ARRAYS.get(kind, {}).items():
                yield "%s.%s" % (name, suffix), module, attr, transposed

    def load_nnt(self, tensors):
        with torch.no_grad():
            for name, module, attr, transposed in self._pairs():
                if name not in tensors:
                    raise SystemExit("model.py: the weights have no %s" % name)
                value = tensors[name].t() if transposed else tensors[name]
                target = getattr(module, attr)
                if tuple(value.shape) != tuple(target.shape):
                    raise SystemExit("model.py: %s has shape %s, expected %s" % (name, tuple(value.shape), tuple(target.shape)))
                target.copy_(value)

    def nnt_tensors(self):
        """The arrays under nnt's names and layouts: parameters first, then batch-norm state."""
        pairs = list(self._pairs())
        state = ("running_mean", "running_var")
        ordered = [p for p in pairs if p[2] not in state] + [p for p in pairs if p[2] in state]
        return {name: (getattr(m, attr).t() if tr else getattr(m, attr)) for name, m, attr, tr in ordered}


def read_config(folder=HERE):
    with open(os.path.join(folder, "config.json")) as f:
        return json.load(f)


def load(folder=HERE, weights="weights.safetensors"):
    """The exported network, with its weights, in eval mode, in the exported dtype."""
    cfg = read_config(folder)
    net = Net(cfg["config"]["layers"], cfg["inputSize"], cfg["batchnormEps"], cfg.get("inputShape"))
    tensors, _ = read_safetensors(os.path.join(folder, weights))
    dtype = torch.float64 if cfg.get("dtype", "float64") == "float64" else torch.float32
    net.to(dtype)
    net.load_nnt({k: v.to(dtype) for k, v in tensors.items()})
    return net.eval()


# ---- data: IDX files (MNIST's format), plain or gzip, scaled as nnt does (byte / 255) ----

def read_idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    dims = struct.unpack(">%dI" % ndim, data[4:4 + 4 * ndim])
    return torch.frombuffer(bytearray(data[4 + 4 * ndim:]), dtype=torch.uint8).reshape(dims)


def load_split(cfg, split, dtype=torch.float64, limit=None):
    images = read_idx(cfg["data"][split + "Images"])
    labels = read_idx(cfg["data"][split + "Labels"]).long()
    if limit:
        images, labels = images[:limit], labels[:limit]
    return images.reshape(images.shape[0], -1).to(dtype) / 255, labels


def main():
    parser = argparse.ArgumentParser(description="evaluate the exported nnt network on the test set")
    parser.add_argument("--weights", default="weights.safetensors")
    parser.add_argument("--probabilities", help="write the test set's softmax probabilities here (float64, row-major)")
    parser.add_argument("--limit", type=int, help="only the first N test samples")
    args = parser.parse_args()
    net = load(weights=args.weights)
    cfg = read_config()
    x, y = load_split(cfg, "test", next(net.parameters()).dtype, args.limit)
    with torch.no_grad():
        probs = torch.softmax(net(x), dim=1)
    if args.probabilities:
        values = probs.to(torch.float64).flatten().tolist()
        with open(args.probabilities, "wb") as f:
            f.write(struct.pack("<%dd" % len(values), *values))
    correct = int((probs.argmax(dim=1) == y).sum())
    print(json.dumps({"samples": len(y), "correct": correct, "accuracy": correct / len(y)}))


if __name__ == "__main__":
    main()
