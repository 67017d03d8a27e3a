"""The PyTorch side of `npm run bench` (never used by the library): a timing child that answers the
driver's requests, one JSON object per line on stdin, with one line starting with "@@bench " on stdout.

    python3 bench/reference.py --threads N --mnist-dir DIR [--cifar-dir DIR]

The driver starts it with OPENBLAS_NUM_THREADS, OMP_NUM_THREADS and MKL_NUM_THREADS set to N (BLAS
libraries read them when they load, before any of this runs); here torch.set_num_threads(N) and
torch.set_num_interop_threads(N) follow. Every repetition reports how many threads actually worked (from
/proc), so a "1 thread" column that is not one thread shows.

Requests: {"op": "info"}, {"op": "prepare", "workload": w, "sizes": {...}}, {"op": "run", "workload": w},
{"op": "profile", "workload": w, "sizes": {...}, "steps": n}. Workloads mirror bench/ours.ts: lenet-step,
path-eval, conv2-step, resnet20-step, resnet20-4-step, resnet20-8-step, vgg16-step, lenet-run (one whole LeNet
run: the aggregate row's reference) and resnet20-4-run (one whole ResNet-20-4 run on CIFAR-10: the
conv-aggregate row's reference; --cifar-dir names the library's decoded cache of the data set, train.bin and
test.bin in the binary release's record layout, which bench.ts finds).
"""
import argparse
import gzip
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

PREFIX = "@@bench "
MNIST_MEAN, MNIST_STD = 0.1307, 0.3081
CONV2 = {"batch": 60, "lr": 0.01, "momentum": 0.9}
RESNET = {"batch": 128, "lr": 0.1, "momentum": 0.9, "weight_decay": 1e-4, "examples": 512}
CIFAR10_MEAN, CIFAR10_STD = [0.4914, 0.4822, 0.4465], [0.247, 0.2435, 0.2616]


# --- data -------------------------------------------------------------------------------------------

def read_idx(path):
    for p in (path, path + ".gz"):
        if os.path.exists(p):
            with (gzip.open(p) if p.endswith(".gz") else open(p, "rb")) as f:
                raw = f.read()
            ndim = raw[3]
            shape = [int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
            return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape)
    raise FileNotFoundError(path)


def load_mnist(directory):
    """MNIST as the library loads it (lib/data/mnist.ts): pixels / 255, normalised, NCHW float32."""
    def split(images, labels):
        x = torch.from_numpy(((read_idx(os.path.join(directory, images)).astype(np.float32) / 255) - MNIST_MEAN) / MNIST_STD)
        y = torch.from_numpy(read_idx(os.path.join(directory, labels)).astype(np.int64))
        return x.unsqueeze(1).contiguous(), y
    return {
        "train": split("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
        "test": split("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
    }


def load_cifar_records(directory):
    """CIFAR-10 as the library loads it (lib/data/cifar10.ts) from its decoded cache: records of a label byte and
    3,072 channel-major bytes; pixels / 255, normalised per channel (the library's float64 table, rounded to
    float32), NCHW float32, so the same values as the library's NHWC arrays."""
    table = np.stack([((np.arange(256) / 255 - m) / s) for m, s in zip(CIFAR10_MEAN, CIFAR10_STD)]).astype(np.float32)

    def split(name):
        records = np.fromfile(os.path.join(directory, name), dtype=np.uint8).reshape(-1, 3073)
        pixels = records[:, 1:].reshape(-1, 3, 32, 32)
        x = np.empty(pixels.shape, dtype=np.float32)
        for c in range(3):
            x[:, c] = table[c][pixels[:, c]]
        return torch.from_numpy(x), torch.from_numpy(records[:, 0].astype(np.int64))
    return {"train": split("train.bin"), "test": split("test.bin")}


class Batches:
    """The library's data order: a fresh permutation per epoch, step s reads batch s mod (n // batch)."""

    def __init__(self, x, y, batch, seed):
        self.x, self.y, self.batch, self.seed = x, y, batch, seed
        self.per_epoch = len(x) // batch
        self.epoch, self.order = -1, None

    def __call__(self, step):
        e = step // self.per_epoch
        if e != self.epoch:
            g = torch.Generator().manual_seed(self.seed * 100003 + e)
            self.order, self.epoch = torch.randperm(len(self.x), generator=g), e
        idx = self.order[(step % self.per_epoch) * self.batch: (step % self.per_epoch + 1) * self.batch]
        return self.x[idx], self.y[idx]


# --- models -----------------------------------------------------------------------------------------

def lenet():
    return torch.nn.Sequential(
        torch.nn.Flatten(), torch.nn.Linear(784, 300), torch.nn.ReLU(), torch.nn.Linear(300, 100), torch.nn.ReLU(), torch.nn.Linear(100, 10)
    )


def conv2():
    return torch.nn.Sequential(
        torch.nn.Conv2d(1, 64, 3, padding=1), torch.nn.ReLU(), torch.nn.Conv2d(64, 64, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Flatten(), torch.nn.Linear(14 * 14 * 64, 256), torch.nn.ReLU(), torch.nn.Linear(256, 256), torch.nn.ReLU(), torch.nn.Linear(256, 10),
    )


class BasicBlock(torch.nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = torch.nn.BatchNorm2d(cout)
        self.conv2 = torch.nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = torch.nn.BatchNorm2d(cout)
        self.shortcut = torch.nn.Sequential()
        if stride != 1 or cin != cout:
            self.shortcut = torch.nn.Sequential(torch.nn.Conv2d(cin, cout, 1, stride, bias=False), torch.nn.BatchNorm2d(cout))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + self.shortcut(x))


class ResNet20(torch.nn.Module):
    """The standard CIFAR ResNet-20 (He et al. 2016): width/2 width/4 width channels (16/32/64 for ResNet-20;
    4/8/16 and 8/16/32 for the narrow resnet-20-4 and resnet-20-8), 3 stages of 3 basic blocks, 1x1 conv + BN
    shortcuts where the shape changes, no conv biases, global average pooling, fc."""

    def __init__(self, classes=10, width=16):
        super().__init__()
        self.conv = torch.nn.Conv2d(3, width, 3, 1, 1, bias=False)
        self.bn = torch.nn.BatchNorm2d(width)
        blocks, cin = [], width
        for i, cout in enumerate([width, 2 * width, 4 * width]):
            for j in range(3):
                blocks.append(BasicBlock(cin, cout, 2 if (i > 0 and j == 0) else 1))
                cin = cout
        self.blocks = torch.nn.Sequential(*blocks)
        self.fc = torch.nn.Linear(4 * width, classes)

    def forward(self, x):
        x = self.blocks(F.relu(self.bn(self.conv(x))))
        return self.fc(F.adaptive_avg_pool2d(x, 1).flatten(1))


VGG16_PLAN = [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512]


class VGG16(torch.nn.Module):
    """VGG-16 for CIFAR as lib/models/vgg.ts builds it (the lottery-ticket papers' reference): 3x3 convs with
    bias, each followed by batch norm and ReLU, 2x2 max pools where the plan says, then a 2x2 average pool
    (2x2 -> 1x1 for a 32x32 input) and one fully connected layer, 512 -> classes."""

    def __init__(self, classes=10):
        super().__init__()
        layers, cin = [], 3
        for item in VGG16_PLAN:
            if item == "M":
                layers.append(torch.nn.MaxPool2d(2))
            else:
                layers += [torch.nn.Conv2d(cin, item, 3, 1, 1, bias=True), torch.nn.BatchNorm2d(item), torch.nn.ReLU()]
                cin = item
        self.layers = torch.nn.Sequential(*layers)
        self.fc = torch.nn.Linear(cin, classes)

    def forward(self, x):
        return self.fc(F.avg_pool2d(self.layers(x), 2).flatten(1))


# The CIFAR-sized training-step workloads (bench/common.ts CIFAR_STEPS): the network and its batch (None: sizes["vggBatch"]).
CIFAR_STEPS = {
    "resnet20-step": (lambda: ResNet20(width=16), RESNET["batch"]),
    "resnet20-4-step": (lambda: ResNet20(width=4), RESNET["batch"]),
    "resnet20-8-step": (lambda: ResNet20(width=8), RESNET["batch"]),
    "vgg16-step": (VGG16, None),
}


def sgd(model):
    return torch.optim.SGD(model.parameters(), lr=RESNET["lr"], momentum=RESNET["momentum"], weight_decay=RESNET["weight_decay"])


# --- workloads --------------------------------------------------------------------------------------

class Ctx:
    def __init__(self, mnist_dir, cifar_dir=None):
        self.mnist_dir, self.cifar_dir = mnist_dir, cifar_dir
        self._mnist, self._cifar = None, None

    @property
    def mnist(self):
        if self._mnist is None:
            self._mnist = load_mnist(self.mnist_dir)
        return self._mnist

    @property
    def cifar(self):
        if self._cifar is None:
            if not self.cifar_dir:
                raise ValueError("no --cifar-dir: the driver found no decoded CIFAR-10")
            self._cifar = load_cifar_records(self.cifar_dir)
        return self._cifar


def step_setup(ctx, workload, sizes=None):
    """(model, optimizer, batches) of a training-step workload."""
    torch.manual_seed(1)
    if workload in ("lenet-step", "lenet-run"):
        model = lenet()
        opt = torch.optim.Adam(model.parameters(), lr=1.2e-3)
        return model, opt, Batches(*ctx.mnist["train"], 60, 1)
    if workload == "conv2-step":
        model = conv2()
        opt = torch.optim.SGD(model.parameters(), lr=CONV2["lr"], momentum=CONV2["momentum"])
        return model, opt, Batches(*ctx.mnist["train"], CONV2["batch"], 1)
    if workload in CIFAR_STEPS:
        build, batch = CIFAR_STEPS[workload]
        model = build()
        g = torch.Generator().manual_seed(7)
        x = torch.rand(RESNET["examples"], 3, 32, 32, generator=g) * 2 - 1
        y = torch.randint(0, 10, (RESNET["examples"],), generator=g)
        return model, sgd(model), Batches(x, y, batch if batch is not None else sizes["vggBatch"], 1)
    if workload == "resnet20-4-run":
        model = ResNet20(width=4)
        return model, sgd(model), Batches(*ctx.cifar["train"], RESNET["batch"], 1)
    raise ValueError(f"{workload} is not a training step")


def train_step(model, opt, batches, step):
    xb, yb = batches(step)
    opt.zero_grad(set_to_none=True)
    loss = F.cross_entropy(model(xb), yb)
    loss.backward()
    opt.step()
    return loss


def evaluate(model, x, y, batch=5000):
    """Mean loss and accuracy in batches of 5000, one read-back at the end (as lib/train/evaluate.ts)."""
    with torch.no_grad():
        loss, correct = torch.zeros(()), torch.zeros(())
        for s in range(0, len(x), batch):
            logits = model(x[s: s + batch])
            loss += F.cross_entropy(logits, y[s: s + batch], reduction="sum")
            correct += (logits.argmax(1) == y[s: s + batch]).sum()
        return loss.item() / len(x), correct.item() / len(x)


def runner(ctx, workload, sizes):
    """A function that runs one repetition and returns its units."""
    steps_of = {
        "lenet-step": "lenetSteps",
        "conv2-step": "conv2Steps",
        "resnet20-step": "resnetSteps",
        "resnet20-4-step": "narrowResnetSteps",
        "resnet20-8-step": "narrowResnetSteps",
        "vgg16-step": "vggSteps",
    }
    if workload in steps_of:
        n = sizes[steps_of[workload]]
        model, opt, batches = step_setup(ctx, workload, sizes)
        model.train()
        state = {"step": 0}

        def run():
            loss = None
            for _ in range(n):
                loss = train_step(model, opt, batches, state["step"])
                state["step"] += 1
            loss.item()
            return n
        return run, True

    if workload == "path-eval":
        points = sizes["pathPoints"]
        torch.manual_seed(1)
        a, b, m = lenet(), lenet(), lenet()
        x, y = ctx.mnist["test"]

        def run():
            with torch.no_grad():
                for i in range(points):
                    alpha = i / (points - 1) if points > 1 else 0.0
                    for pm, pa, pb in zip(m.parameters(), a.parameters(), b.parameters()):
                        pm.copy_(alpha * pa + (1 - alpha) * pb)
                    evaluate(m, x, y)
            return points
        return run, True

    if workload == "lenet-run":
        # One whole run, as one of the aggregate row's runs: training, then the test evaluation.
        steps = sizes["aggregateSteps"]
        x, y = ctx.mnist["test"]

        def run():
            model, opt, batches = step_setup(ctx, "lenet-step")
            for s in range(steps):
                train_step(model, opt, batches, s)
            evaluate(model, x, y)
            return steps
        return run, False

    if workload == "resnet20-4-run":
        # One whole run, as one of the conv-aggregate row's runs: training (batch norm in training mode), then
        # the test evaluation with the running statistics. The data set is loaded here, untimed, as MNIST is above.
        steps = sizes["convAggregateSteps"]
        x, y = ctx.cifar["test"]

        def run():
            model, opt, batches = step_setup(ctx, "resnet20-4-run", sizes)
            model.train()
            for s in range(steps):
                train_step(model, opt, batches, s)
            model.eval()
            # Batches of 128: PyTorch's fastest evaluation here (11 s at 5,000, 3.4 s at 128 on one thread), so
            # the ratio is not flattered by its slow large batches; the values do not depend on the batch.
            evaluate(model, x, y, batch=128)
            return steps
        return run, False

    raise ValueError(f"unknown workload {workload}")


def thread_ticks():
    out = {}
    try:
        tasks = os.listdir("/proc/self/task")
    except OSError:
        return out
    for t in tasks:
        try:
            with open(f"/proc/self/task/{t}/stat") as f:
                s = f.read()
            fields = s[s.rindex(")") + 2:].split(" ")
            out[t] = int(fields[11]) + int(fields[12])
        except OSError:
            pass
    return out


def busy_threads(before, after):
    d = [v - before.get(t, 0) for t, v in after.items() if v - before.get(t, 0) > 0]
    return sum(1 for v in d if v >= 0.25 * max(d)) if d else 0


def timed(run):
    ticks, cpu, t = thread_ticks(), time.process_time(), time.perf_counter()
    units = run()
    seconds = time.perf_counter() - t
    return {"units": units, "seconds": seconds, "cpuSeconds": time.process_time() - cpu, "threads": busy_threads(ticks, thread_ticks())}


def profile(ctx, workload, steps, sizes=None):
    """Phases of a step (batch, forward, backward, update) in ms, as bench/profile.ts reports ours."""
    if workload == "path-eval":
        torch.manual_seed(1)
        a, b, m = lenet(), lenet(), lenet()
        x, y = ctx.mnist["test"]
        phases = {"interpolate": 0.0, "evaluate": 0.0}
        n = max(2, steps)
        for i in range(n + 1):
            t0 = time.perf_counter()
            with torch.no_grad():
                for pm, pa, pb in zip(m.parameters(), a.parameters(), b.parameters()):
                    pm.copy_(0.5 * pa + 0.5 * pb)
            t1 = time.perf_counter()
            evaluate(m, x, y)
            t2 = time.perf_counter()
            if i > 0:
                phases["interpolate"] += (t1 - t0) * 1000 / n
                phases["evaluate"] += (t2 - t1) * 1000 / n
        return {"unit": "point", "msPerUnit": sum(phases.values()), "phases": phases}
    model, opt, batches = step_setup(ctx, workload, sizes)
    for s in range(2):
        train_step(model, opt, batches, s)
    phases = {"batch": 0.0, "forward": 0.0, "backward": 0.0, "update": 0.0}
    t = time.perf_counter()
    for s in range(steps):
        t0 = time.perf_counter()
        xb, yb = batches(s)
        t1 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(xb), yb)
        t2 = time.perf_counter()
        loss.backward()
        t3 = time.perf_counter()
        opt.step()
        t4 = time.perf_counter()
        for k, v in zip(phases, (t1 - t0, t2 - t1, t3 - t2, t4 - t3)):
            phases[k] += v * 1000 / steps
    ms_per_step = (time.perf_counter() - t) * 1000 / steps
    return {"unit": "step", "msPerUnit": ms_per_step, "phases": phases, "top": top_operators(model, opt, batches, steps, ms_per_step)}


def top_operators(model, opt, batches, steps, ms_per_step, count=12):
    """PyTorch's operators by self CPU time per step (the profiler's own view), as ours lists its kernels."""
    k = max(2, min(steps, 5))
    with torch.autograd.profiler.profile() as prof:
        for s in range(k):
            train_step(model, opt, batches, s)
    rows = sorted(prof.key_averages(), key=lambda e: e.self_cpu_time_total, reverse=True)[:count]
    return [
        {"name": e.key, "msPerUnit": e.self_cpu_time_total / 1000 / k, "callsPerUnit": e.count / k, "share": e.self_cpu_time_total / 1000 / k / ms_per_step}
        for e in rows
    ]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, required=True)
    ap.add_argument("--mnist-dir", required=True)
    ap.add_argument("--cifar-dir", help="the library's decoded CIFAR-10 (train.bin, test.bin), for resnet20-4-run")
    ap.add_argument("--count-params", action="store_true", help="print the parameter count of every network and exit")
    args = ap.parse_args()
    if args.count_params:
        nets = {"resnet-20": ResNet20(width=16), "resnet-20-4": ResNet20(width=4), "resnet-20-8": ResNet20(width=8), "vgg-16": VGG16()}
        for name, net in nets.items():
            print(name, sum(p.numel() for p in net.parameters()), "parameters,", sum(b.numel() for b in net.buffers() if b.dtype.is_floating_point), "running statistics")
        return
    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(args.threads)
    ctx = Ctx(args.mnist_dir, args.cifar_dir)
    runners = {}

    def reply(o):
        sys.stdout.write(PREFIX + json.dumps(o) + "\n")
        sys.stdout.flush()

    for line in sys.stdin:
        if not line.strip():
            continue
        req = json.loads(line)
        try:
            op = req["op"]
            if op == "info":
                env = {k: os.environ.get(k) for k in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")}
                reply({"ok": True, "torch": torch.__version__, "threads": torch.get_num_threads(), "interop": torch.get_num_interop_threads(), "env": env})
            elif op == "prepare":
                run, warm = runner(ctx, req["workload"], req["sizes"])
                if warm:
                    run()
                runners[req["workload"]] = run
                reply({"ok": True})
            elif op == "run":
                reply({"ok": True, **timed(runners[req["workload"]])})
            elif op == "profile":
                reply({"ok": True, "profile": profile(ctx, req["workload"], req.get("steps", 10), req.get("sizes"))})
            else:
                raise ValueError(f"unknown op {op}")
        except Exception as e:  # noqa: BLE001 - reported to the driver, which prints it in the row
            reply({"ok": False, "error": f"{type(e).__name__}: {e}"})


if __name__ == "__main__":
    main()
