"""The PyTorch side of the safetensors round trip (bench/roundtrip).

    roundtrip.py eval FILE MNIST_DIR PREDICTIONS
        Builds a torch model from the config in FILE's metadata (dense, conv
        and max-pool layers in a ModuleList, one entry per config layer),
        loads FILE's materialised weights with load_state_dict, evaluates it
        on the MNIST test set and writes one predicted digit per test image
        (one byte each) to PREDICTIONS. Prints "test_error E".

    roundtrip.py train CONFIG MNIST_DIR FILE PREDICTIONS EPOCHS SEED
        Trains CONFIG's dense model (no predicted layers) in torch with Adam
        at the config's learning rate and batch, writes its weights to FILE
        (with CONFIG in the metadata, so the Go side needs nothing else) and
        its test predictions to PREDICTIONS. Prints "test_error E".

The safetensors format is read and written here with the standard library
and torch alone (Debian has no python3-safetensors): an 8-byte little-endian
header length, a JSON header, raw little-endian tensors.
"""

import gzip
import json
import os
import struct
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F


def read_safetensors(path):
    with open(path, "rb") as f:
        b = f.read()
    (n,) = struct.unpack("<Q", b[:8])
    header = json.loads(b[8 : 8 + n])
    meta = header.pop("__metadata__", {})
    data = b[8 + n :]
    tensors = {}
    for name, e in header.items():
        assert e["dtype"] == "F32", e["dtype"]
        lo, hi = e["data_offsets"]
        t = torch.frombuffer(bytearray(data[lo:hi]), dtype=torch.float32)
        tensors[name] = t.reshape(e["shape"]).clone()
    return tensors, meta


def write_safetensors(path, tensors, meta):
    header, blobs, off = {}, [], 0
    if meta:
        header["__metadata__"] = meta
    for name, t in tensors.items():
        raw = t.detach().contiguous().to(torch.float32).numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [off, off + len(raw)]}
        blobs.append(raw)
        off += len(raw)
    h = json.dumps(header).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for raw in blobs:
            f.write(raw)


def idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        b = f.read()
    magic = struct.unpack(">I", b[:4])[0]
    ndim = magic & 0xFF
    dims = struct.unpack(">" + "I" * ndim, b[4 : 4 + 4 * ndim])
    t = torch.frombuffer(bytearray(b[4 + 4 * ndim :]), dtype=torch.uint8)
    return t.reshape(dims)


def find(d, base):
    for name in (base, base + ".gz"):
        if os.path.exists(os.path.join(d, name)):
            return os.path.join(d, name)
    raise FileNotFoundError(os.path.join(d, base))


def mnist(d, split):
    prefix = "train" if split == "train" else "t10k"
    x = idx(find(d, prefix + "-images-idx3-ubyte")).to(torch.float32) / 255
    y = idx(find(d, prefix + "-labels-idx1-ubyte")).to(torch.int64)
    return x.reshape(-1, 1, 28, 28), y  # NCHW


ACTS = {"": lambda x: x, "relu": torch.relu, "sigmoid": torch.sigmoid, "tanh": torch.tanh}


class Net(nn.Module):
    """The config's layers, one ModuleList entry per config layer, so that
    the exported names "layers.I.weight" and "layers.I.bias" load as they are."""

    def __init__(self, cfg, in_shape):
        super().__init__()
        h, w, c = in_shape
        mods, self.acts = [], []
        for lc in cfg["layers"]:
            t = lc["type"]
            if t == "dense":
                mods.append(nn.Linear(h * w * c, lc["units"]))
                h, w, c = 1, 1, lc["units"]
            elif t == "conv":
                s, p, k = lc.get("stride", 1) or 1, lc.get("pad", 0), lc["k"]
                mods.append(nn.Conv2d(c, lc["filters"], k, stride=s, padding=p))
                h, w, c = (h + 2 * p - k) // s + 1, (w + 2 * p - k) // s + 1, lc["filters"]
            else:
                k = lc["k"]
                s = lc.get("stride", 0) or k
                mods.append(nn.MaxPool2d(k, stride=s))
                h, w = (h - k) // s + 1, (w - k) // s + 1
            self.acts.append(lc.get("act", ""))
        self.layers = nn.ModuleList(mods)

    def forward(self, x):
        for m, act in zip(self.layers, self.acts):
            if isinstance(m, nn.Linear):
                x = torch.flatten(x, 1)
            x = ACTS[act](m(x))
        return x


def evaluate(net, x, y):
    net.eval()
    with torch.no_grad():
        pred = torch.cat([net(x[i : i + 1000]).argmax(1) for i in range(0, len(x), 1000)])
    return (pred != y).float().mean().item(), pred


def cmd_eval(path, d, out):
    tensors, meta = read_safetensors(path)
    assert meta.get("format", "predparams.dense/1") == "predparams.dense/1", meta.get("format")
    cfg = json.loads(meta["config"])
    in_shape = json.loads(meta.get("input_shape", "[28, 28, 1]"))
    net = Net(cfg, in_shape)
    net.load_state_dict(tensors)
    x, y = mnist(d, "test")
    err, pred = evaluate(net, x, y)
    pred.to(torch.uint8).numpy().tofile(out)
    print("test_error %.6f" % err)


def cmd_train(config, d, path, out, epochs, seed):
    with open(config) as f:
        cfg = json.load(f)
    cfg["name"] = "torch-" + cfg["name"]
    torch.manual_seed(seed)
    net = Net(cfg, [28, 28, 1])
    tc = cfg["train"]
    opt = torch.optim.Adam(net.parameters(), lr=tc["optimizer"]["lr"])
    x, y = mnist(d, "train")
    batch = tc["batch"]
    for _ in range(epochs):
        net.train()
        perm = torch.randperm(len(x))
        for i in range(0, len(x), batch):
            idx_ = perm[i : i + batch]
            opt.zero_grad()
            F.cross_entropy(net(x[idx_]), y[idx_]).backward()
            opt.step()
    xt, yt = mnist(d, "test")
    err, pred = evaluate(net, xt, yt)
    meta = {"format": "predparams.dense/1", "config": json.dumps(cfg), "input_shape": "[28, 28, 1]", "classes": "10"}
    write_safetensors(path, net.state_dict(), meta)
    pred.to(torch.uint8).numpy().tofile(out)
    print("test_error %.6f" % err)


if __name__ == "__main__":
    torch.set_num_threads(int(os.environ.get("THREADS", "1")))
    a = sys.argv[1:]
    if a[:1] == ["eval"] and len(a) == 4:
        cmd_eval(*a[1:])
    elif a[:1] == ["train"] and len(a) == 7:
        cmd_train(a[1], a[2], a[3], a[4], int(a[5]), int(a[6]))
    else:
        sys.exit(__doc__)
