"""PyTorch's side of the GPU check (steps.ts runs it): the bench's LeNet, Conv-2 and ResNet-20 training steps on
CUDA, with bench/reference.py's models and optimizers and synthetic inputs of the same shapes, timed as steps.ts
times ours (warm-up, then steps doubled until a repetition lasts 2 s, median of three). Prints one JSON line:
{"device": ..., "rates": {row: steps/s}}, or {"skipped": why} where torch or CUDA is missing.
"""
import json
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
# reference.py is beside this file in the kit, in bench/ in the repository.
sys.path[:0] = [HERE, os.path.join(HERE, "..", "..", "bench")]

try:
    import torch
    import torch.nn.functional as F
    from reference import CONV2, RESNET, ResNet20, conv2, lenet
except ImportError as e:
    print(json.dumps({"skipped": f"no torch here ({e})"}))
    sys.exit(0)

if not torch.cuda.is_available():
    print(json.dumps({"skipped": f"torch {torch.__version__} has no CUDA device"}))
    sys.exit(0)

DEVICE = torch.device("cuda")
REPETITION_SECONDS, ROW_DEADLINE_SECONDS = 2.0, 75.0


def row(workload):
    """(model, optimizer, examples, labels, batch) of a row, as bench/reference.py's step_setup builds it."""
    torch.manual_seed(1)
    g = torch.Generator().manual_seed(7)
    if workload == "lenet-step":
        model, batch, shape, examples = lenet(), 60, (1, 28, 28), 600
        opt = torch.optim.Adam(model.parameters(), lr=1.2e-3)
    elif workload == "conv2-step":
        model, batch, shape, examples = conv2(), CONV2["batch"], (1, 28, 28), 600
        opt = torch.optim.SGD(model.parameters(), lr=CONV2["lr"], momentum=CONV2["momentum"])
    else:
        model, batch, shape, examples = ResNet20(), RESNET["batch"], (3, 32, 32), RESNET["examples"]
        opt = torch.optim.SGD(model.parameters(), lr=RESNET["lr"], momentum=RESNET["momentum"], weight_decay=RESNET["weight_decay"])
    x = (torch.rand(examples, *shape, generator=g) * 2 - 1).to(DEVICE)
    y = torch.randint(0, 10, (examples,), generator=g).to(DEVICE)
    return model.to(DEVICE).train(), opt, x, y, batch


def steps_per_second(workload):
    model, opt, x, y, batch = row(workload)
    per_epoch = len(x) // batch
    state = {"step": 0, "order": None}

    def run(steps):
        torch.cuda.synchronize()
        t = time.perf_counter()
        for _ in range(steps):
            s = state["step"]
            if s % per_epoch == 0:
                state["order"] = torch.randperm(len(x), device=DEVICE)
            idx = state["order"][(s % per_epoch) * batch:(s % per_epoch + 1) * batch]
            opt.zero_grad(set_to_none=True)
            F.cross_entropy(model(x[idx]), y[idx]).backward()
            opt.step()
            state["step"] += 1
        torch.cuda.synchronize()
        return time.perf_counter() - t

    started = time.perf_counter()
    run(3)
    steps = 2
    while run(steps) < REPETITION_SECONDS and steps < 20000 and time.perf_counter() - started < ROW_DEADLINE_SECONDS / 3:
        steps *= 2
    rates = [steps / run(steps)]
    while len(rates) < 3 and time.perf_counter() - started < ROW_DEADLINE_SECONDS:
        rates.append(steps / run(steps))
    return statistics.median(rates)


rates = {w: steps_per_second(w) for w in ("lenet-step", "conv2-step", "resnet20-step")}
print(json.dumps({"device": f"{torch.cuda.get_device_name(0)}, torch {torch.__version__}, CUDA {torch.version.cuda}", "rates": rates}))
