# PyTorch yardstick for bench/ (run by `go run ./bench`, never by the product).
#
# It answers the same line protocol as the engine's worker, one command per
# line on stdin, one reply per line on stdout ("ok VALUE" or "err MESSAGE"):
#
#   info                        -> ok <description of torch, BLAS, oneDNN>
#   train CONFIG THREADS SECS   -> ok <training examples/s>
#   gemm N THREADS SECS         -> ok <GFLOP/s of an N×N×N torch.mm>
#
# train builds the model of a models/configs JSON file (dense, conv and
# maxpool layers with ReLU), trains it with Adam at the config's batch size
# on random inputs in [0, 1) and random labels, gathered through a shuffled
# permutation like the engine's Trainer, and reports examples/s.
import json
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

EXAMPLES = 10000  # the random training set, as in the engine's worker
H, W, C, CLASSES = 28, 28, 1, 10  # MNIST


def build(cfg):
    mods, shape = [], (C, H, W)
    for lc in cfg["layers"]:
        kind, act = lc["type"], lc.get("act", "")
        if lc.get("predict"):
            raise ValueError("predicted layers have no PyTorch counterpart here")
        if kind == "conv":
            k, s, p = lc["k"], lc.get("stride") or 1, lc.get("pad", 0)
            mods.append(nn.Conv2d(shape[0], lc["filters"], k, stride=s, padding=p))
            shape = (lc["filters"], (shape[1] + 2 * p - k) // s + 1, (shape[2] + 2 * p - k) // s + 1)
        elif kind == "maxpool":
            k, s = lc["k"], lc.get("stride") or lc["k"]
            mods.append(nn.MaxPool2d(k, s))
            shape = (shape[0], (shape[1] - k) // s + 1, (shape[2] - k) // s + 1)
        elif kind == "dense":
            if len(shape) == 3:
                mods.append(nn.Flatten())
                shape = (shape[0] * shape[1] * shape[2],)
            mods.append(nn.Linear(shape[0], lc["units"]))
            shape = (lc["units"],)
        else:
            raise ValueError("unknown layer type %r" % kind)
        if act == "relu":
            mods.append(nn.ReLU())
        elif act not in ("", "identity", "none", "linear"):
            raise ValueError("activation %r not mapped" % act)
    return nn.Sequential(*mods)


class Trainer:
    def __init__(self, path):
        with open(path) as f:
            cfg = json.load(f)
        torch.manual_seed(1)
        self.model = build(cfg)
        tc = cfg["train"]
        self.batch = tc["batch"]
        self.opt = torch.optim.Adam(self.model.parameters(), lr=tc["optimizer"]["lr"])
        flat = cfg["layers"][0]["type"] == "dense"
        shape = (EXAMPLES, H * W * C) if flat else (EXAMPLES, C, H, W)
        self.x = torch.rand(shape, dtype=torch.float32)
        self.y = torch.randint(0, CLASSES, (EXAMPLES,))
        self.perm, self.pos = torch.randperm(EXAMPLES), 0
        for _ in range(3):  # warm up
            self.step()

    def step(self):
        if self.pos + self.batch > EXAMPLES:
            self.perm, self.pos = torch.randperm(EXAMPLES), 0
        idx = self.perm[self.pos : self.pos + self.batch]
        self.pos += self.batch
        x, y = self.x[idx], self.y[idx]
        self.opt.zero_grad()
        loss = F.cross_entropy(self.model(x), y)
        loss.backward()
        self.opt.step()

    def rate(self, secs):
        n, t0 = 0, time.perf_counter()
        while True:
            self.step()
            n += 1
            dt = time.perf_counter() - t0
            if dt >= secs:
                return n * self.batch / dt


def gemm_rate(n, secs):
    a, b = torch.rand(n, n), torch.rand(n, n)
    c = torch.empty(n, n)
    torch.mm(a, b, out=c)
    k, t0 = 0, time.perf_counter()
    while True:
        torch.mm(a, b, out=c)
        k += 1
        dt = time.perf_counter() - t0
        if dt >= secs:
            return 2 * n**3 * k / dt / 1e9


def info():
    torch.mm(torch.rand(64, 64), torch.rand(64, 64))  # load the BLAS
    libs = set()
    with open("/proc/self/maps") as f:
        for line in f:
            name = line.split()[-1]
            if "blas" in name.lower() or "mkl" in name.lower():
                libs.add(name.rsplit("/", 1)[-1])
    blas = ",".join(sorted(libs)) or "none found in /proc/self/maps"
    openblas = "openblas" in blas.lower()
    return "torch %s, BLAS %s%s, oneDNN %s" % (
        torch.__version__,
        blas,
        "" if openblas else " (NOT OpenBLAS: expect the reference BLAS, ~20x slower)",
        "on" if torch.backends.mkldnn.is_available() else "off",
    )


def main():
    trainers = {}
    for line in sys.stdin:
        f = line.split()
        try:
            if not f:
                continue
            if f[0] == "info":
                out = info()
            elif f[0] == "train":
                torch.set_num_threads(int(f[2]))
                if f[1] not in trainers:
                    trainers[f[1]] = Trainer(f[1])
                out = "%.6g" % trainers[f[1]].rate(float(f[3]))
            elif f[0] == "gemm":
                torch.set_num_threads(int(f[2]))
                out = "%.6g" % gemm_rate(int(f[1]), float(f[3]))
            else:
                raise ValueError("unknown command %r" % f[0])
            print("ok", out, flush=True)
        except Exception as e:  # report, keep serving
            print("err", repr(e).replace("\n", " "), flush=True)


if __name__ == "__main__":
    main()
