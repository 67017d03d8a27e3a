"""The time-to-figure row's reference: the dense instability experiment of `lmc/dense-instability` in plain
PyTorch, with exactly the runs and paths the library computes for the same config (never used by the
library). `npm run bench` passes the figure's preset config, as lib/figures/dense-instability.ts defines
it, and times this whole process, start-up and data loading included, as it times ours.

    python3 bench/time_to_figure.py --config '<json>' --mnist-dir DIR --threads N --out DIR

What it computes, as the figure's steps do:
  parents: one run per initialisation seed from W0 with data order 0, saving W_k at every k in ks;
  copies:  per parent, k and pair p, two runs from W_k to the end with data orders 2p+1 and 2p+2, the
           learning-rate schedule continuing from k and a fresh optimizer;
  every run ends with its test evaluation (10k), and its state (weights and optimizer) is saved;
  paths:   per pair, the error and loss at `alphas` evenly spaced points between the two copies' final
           weights, on the test set and on the first `trainEvalSubset` training examples.
It prints one JSON line: the counts of runs, steps, evaluations and path points (the driver checks that
they equal the library's), the instabilities, and its own wall time.
"""
import argparse
import json
import math
import os
import time

T0 = time.perf_counter()

import torch  # noqa: E402 - timed from the start, as the driver times the process
import torch.nn.functional as F  # noqa: E402

from reference import Batches, evaluate, lenet, load_mnist, conv2  # noqa: E402


def init_weights(model, seed):
    """The library's initialisation kinds: Kaiming normal (fan-in, ReLU gain) weights, fan-in uniform biases."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, (torch.nn.Linear, torch.nn.Conv2d)):
                fan_in = m.weight[0].numel()
                m.weight.copy_(torch.randn(m.weight.shape, generator=g) * math.sqrt(2 / fan_in))
                m.bias.copy_((torch.rand(m.bias.shape, generator=g) * 2 - 1) / math.sqrt(fan_in))


def learning_rate(h, step):
    lr = h["lr"]
    if h["warmupSteps"] > 0 and step < h["warmupSteps"]:
        lr *= (step + 1) / h["warmupSteps"]
    for drop in h["lrDropSteps"]:
        if step >= drop:
            lr *= h["lrDropFactor"]
    return lr


def optimizer(h, model):
    if h["optimizer"] == "adam":
        return torch.optim.Adam(model.parameters(), lr=h["lr"], betas=(0.9, 0.999), eps=1e-8, weight_decay=h["weightDecay"])
    return torch.optim.SGD(model.parameters(), lr=h["lr"], momentum=h["momentum"], weight_decay=h["weightDecay"])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--config", required=True)
    ap.add_argument("--mnist-dir", required=True)
    ap.add_argument("--threads", type=int, required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(args.threads)
    c = json.loads(args.config)
    h = c["train"]
    if c["data"]["dataset"] != "mnist":
        raise SystemExit(f"time_to_figure.py: only MNIST is implemented, not {c['data']['dataset']}")
    make_model = {"lenet-300-100": lenet, "conv-2": conv2}.get(c["model"])
    if make_model is None:
        raise SystemExit(f"time_to_figure.py: model {c['model']} is not implemented")

    data = load_mnist(args.mnist_dir)
    xtr, ytr = data["train"]
    if c["data"].get("trainSubset"):
        xtr, ytr = xtr[: c["data"]["trainSubset"]], ytr[: c["data"]["trainSubset"]]
    xte, yte = data["test"]
    n_eval = c["trainEvalSubset"] if c["trainEvalSubset"] is not None else len(xtr)
    xev, yev = xtr[:n_eval], ytr[:n_eval]
    counts = {"runs": 0, "steps": 0, "testEvaluations": 0, "pathPoints": 0, "evaluatedExamples": 0}
    os.makedirs(args.out, exist_ok=True)

    def save(name, model, opt, step):
        torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "step": step}, os.path.join(args.out, f"{name}-step-{step}.pt"))

    def train_run(name, weights, start, data_seed, checkpoints):
        """Trains from `weights` at step `start` to the end; returns the final weights and W at each checkpoint."""
        model = make_model()
        model.load_state_dict(weights)
        opt = optimizer(h, model)
        batches = Batches(xtr, ytr, h["batchSize"], data_seed)
        saved = {}
        if start in checkpoints:
            save(name, model, opt, start)
            saved[start] = {k: v.clone() for k, v in model.state_dict().items()}
        for step in range(start, h["steps"]):
            for group in opt.param_groups:
                group["lr"] = learning_rate(h, step)
            xb, yb = batches(step)
            opt.zero_grad(set_to_none=True)
            F.cross_entropy(model(xb), yb).backward()
            opt.step()
            if step + 1 in checkpoints:
                save(name, model, opt, step + 1)
                saved[step + 1] = {k: v.clone() for k, v in model.state_dict().items()}
        save(name, model, opt, h["steps"])
        counts["runs"] += 1
        counts["steps"] += h["steps"] - start
        evaluate(model, xte, yte)
        counts["testEvaluations"] += 1
        return model.state_dict(), saved

    # parents, then copies, then paths (the figure's waves)
    parents = {}
    for seed in c["initSeeds"]:
        torch.manual_seed(seed)
        model = make_model()
        init_weights(model, seed)
        _, parents[seed] = train_run(f"parent-{seed}", model.state_dict(), 0, 0, set(c["ks"]))
    cells = []
    for seed in c["initSeeds"]:
        for k in c["ks"]:
            for pair in range(c["pairs"]):
                finals = [train_run(f"copy-{seed}-{k}-{pair}-{j}", parents[seed][k], k, 2 * pair + 1 + j, set())[0] for j in range(2)]
                cells.append((seed, k, pair, finals))
    alphas = [i / (c["alphas"] - 1) for i in range(c["alphas"])]
    replicates = []
    m = make_model()
    for seed, k, pair, (wa, wb) in cells:
        curves = {"test": [], "train": []}
        with torch.no_grad():
            for alpha in alphas:
                m.load_state_dict({n: alpha * wa[n] + (1 - alpha) * wb[n] for n in wa})
                for split, (x, y) in (("test", (xte, yte)), ("train", (xev, yev))):
                    loss, acc = evaluate(m, x, y)
                    curves[split].append(1 - acc)
                    counts["evaluatedExamples"] += len(x)
                counts["pathPoints"] += 1
        barrier = {s: max(e) - (e[0] + e[-1]) / 2 for s, e in curves.items()}
        replicates.append({"k": k, "initSeed": seed, "pair": pair, "testInstability": barrier["test"], "trainInstability": barrier["train"]})
    with open(os.path.join(args.out, "data.json"), "w") as f:
        json.dump({"config": c, "replicates": replicates}, f)
    print(json.dumps({"counts": counts, "replicates": replicates, "seconds": time.perf_counter() - T0, "torch": torch.__version__, "threads": torch.get_num_threads()}))


if __name__ == "__main__":
    main()
