"""Side-by-side reference timings in PyTorch for `npm run bench` (never used by the library).

Prints one JSON object: {workload: {"rate": per-second, "unit": ..., "threads": n}}.
"""
import json
import statistics
import sys
import time

import torch
import torch.nn.functional as F

torch.manual_seed(0)


def timed(fn, unit_per_call, reps, warmup=3):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return unit_per_call / statistics.median(times)


def lenet():
    return torch.nn.Sequential(
        torch.nn.Flatten(), torch.nn.Linear(784, 300), torch.nn.ReLU(), torch.nn.Linear(300, 100), torch.nn.ReLU(), torch.nn.Linear(100, 10)
    )


def lenet_steps(n=200):
    model = lenet()
    opt = torch.optim.Adam(model.parameters(), lr=1.2e-3)
    x = torch.randn(60000, 784)
    y = torch.randint(0, 10, (60000,))

    def run():
        for i in range(n):
            idx = torch.randint(0, 60000, (60,))
            opt.zero_grad(set_to_none=True)
            loss = F.cross_entropy(model(x[idx]), y[idx])
            loss.backward()
            opt.step()

    return run, n


def lenet_path_eval(points=30):
    a, b = lenet(), lenet()
    m = lenet()
    x = torch.randn(10000, 784)
    y = torch.randint(0, 10, (10000,))

    def run():
        with torch.no_grad():
            for i in range(points):
                alpha = i / (points - 1)
                for pm, pa, pb in zip(m.parameters(), a.parameters(), b.parameters()):
                    pm.copy_(alpha * pa + (1 - alpha) * pb)
                for s in range(0, 10000, 5000):
                    (m(x[s : s + 5000]).argmax(1) == y[s : s + 5000]).float().sum().item()

    return run, points


def conv2():
    return torch.nn.Sequential(
        torch.nn.Conv2d(1, 64, 3, padding=1), torch.nn.ReLU(), torch.nn.Conv2d(64, 64, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Flatten(), torch.nn.Linear(14 * 14 * 64, 256), torch.nn.ReLU(), torch.nn.Linear(256, 256), torch.nn.ReLU(), torch.nn.Linear(256, 10),
    )


def conv2_steps(n=5):
    model = conv2()
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    x = torch.randn(6000, 1, 28, 28)
    y = torch.randint(0, 10, (6000,))

    def run():
        for i in range(n):
            idx = torch.randint(0, 6000, (60,))
            opt.zero_grad(set_to_none=True)
            F.cross_entropy(model(x[idx]), y[idx]).backward()
            opt.step()

    return run, n


def main():
    out = {}
    for threads in [int(t) for t in sys.argv[1:]] or [1]:
        torch.set_num_threads(threads)
        run, n = lenet_steps()
        out[f"lenet-step/threads={threads}"] = {"rate": timed(run, n, 5), "unit": "steps/s", "threads": threads}
        run, n = lenet_path_eval()
        out[f"lenet-path-eval/threads={threads}"] = {"rate": timed(run, n, 3, warmup=1), "unit": "points/s", "threads": threads}
        run, n = conv2_steps()
        out[f"conv2-step/threads={threads}"] = {"rate": timed(run, n, 5, warmup=1), "unit": "steps/s", "threads": threads}
    out["torch"] = torch.__version__
    print(json.dumps(out))


if __name__ == "__main__":
    main()
