#!/usr/bin/env python3
"""PyTorch (eager) baseline of anneal's benchmark suite, run by bench/baselines/torch.ts as a child process.

Reads a JSON config on stdin (workloads, data, initial weights, timing plans) and prints one JSON object on
stdout: timings in milliseconds per timed run (divided by the calls in the run), torch's version and threads,
the first W1 losses and the W3 errors. When torch does not import it prints {"error": ...} and exits 3.
"""
import json
import platform
import sys
import time

try:
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
except Exception as err:  # noqa: BLE001 - any import failure means: skip the baseline
    print(json.dumps({"error": f"import torch failed: {type(err).__name__}: {err}"}))
    sys.exit(3)


def median(values):
    s = sorted(values)
    mid = len(s) // 2
    return s[mid] if len(s) % 2 else (s[mid - 1] + s[mid]) / 2


def time_rounds(plan, setup, body, calls_per_run=1):
    """Warm-up rounds, then timed rounds; setup() is not timed. Returns ms per call for each timed round."""
    samples = []
    for r in range(plan["warmup"] + plan["runs"]):
        ctx = setup()
        t0 = time.perf_counter()
        body(ctx)
        t1 = time.perf_counter()
        if r >= plan["warmup"]:
            samples.append((t1 - t0) * 1000 / calls_per_run)
    return {"samples_ms": samples, "calls_per_run": calls_per_run, "warmup": plan["warmup"]}


def calls_for(target_ms, step, cap=10000):
    step()
    t0 = time.perf_counter()
    step()
    dt = max((time.perf_counter() - t0) * 1000, 1e-3)
    return max(1, min(cap, round(target_ms / dt)))


def time_calls(plan, step):
    calls = calls_for(plan["target_ms"], step)

    def body(_):
        for _ in range(calls):
            step()

    return time_rounds(plan, lambda: None, body, calls)


class LogicNet(nn.Module):
    """The lesson's model, as the lesson writes it."""

    def __init__(self, inputdim, hiddendim, outputdim):
        super().__init__()
        self.Linear1 = nn.Linear(inputdim, hiddendim)
        self.Linear2 = nn.Linear(hiddendim, outputdim)
        self.criterion = nn.CrossEntropyLoss()

    def forward(self, x):
        x = self.Linear1(x)
        x = torch.tanh(x)
        x = self.Linear2(x)
        return x

    def getloss(self, x, y):
        return self.criterion(self.forward(x), y)


def mlp(sizes):
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(nn.Linear(sizes[i], sizes[i + 1]))
        if i + 2 < len(sizes):
            layers.append(nn.Tanh())
    return nn.Sequential(*layers)


def w1(cfg, plan):
    x = torch.tensor(cfg["x"], dtype=torch.float32)
    y = torch.tensor(cfg["y"], dtype=torch.long)
    steps = cfg["steps"]

    def setup():
        model = LogicNet(2, 3, 2)
        with torch.no_grad():
            model.Linear1.weight.copy_(torch.tensor(cfg["init"][0]["weight"]))
            model.Linear1.bias.copy_(torch.tensor(cfg["init"][0]["bias"]))
            model.Linear2.weight.copy_(torch.tensor(cfg["init"][1]["weight"]))
            model.Linear2.bias.copy_(torch.tensor(cfg["init"][1]["bias"]))
        optimizer = torch.optim.Adam(model.parameters(), lr=cfg["lr"])
        scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=cfg["step_size"], gamma=cfg["gamma"])
        return model, optimizer, scheduler, []

    def body(ctx):
        model, optimizer, scheduler, losses = ctx
        for _ in range(steps):
            loss = model.getloss(x, y)
            losses.append(loss.item())
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            scheduler.step()

    rounds = []  # the first round's losses are reported for the agreement check

    def setup_and_keep():
        rounds.append(setup())
        return rounds[-1]

    result = time_rounds(plan, setup_and_keep, body, steps / 1000)  # ms per 1000 steps
    return result, rounds[0][3][:10]


def train_step_fn(sizes, x, y, lr=0.01):
    model = mlp(sizes)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)

    def step():
        optimizer.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        return loss.item()

    return step


def w2(cfg, plan):
    gen = torch.Generator().manual_seed(cfg["seed"])
    sizes = cfg["sizes"]
    x = torch.rand(cfg["batch"], sizes[0], generator=gen) * 2 - 1
    y = torch.randint(0, sizes[-1], (cfg["batch"],), generator=gen)
    torch.manual_seed(cfg["seed"])
    return time_calls(plan, train_step_fn(sizes, x, y))


def w3(shape, plan):
    m, k, n = shape
    gen = torch.Generator().manual_seed(0)
    a = torch.rand(m, k, generator=gen) * 2 - 1
    b = torch.rand(k, n, generator=gen) * 2 - 1
    c = torch.empty(m, n)
    torch.mm(a, b, out=c)
    err = (c.double() - a.double() @ b.double()).abs().max().item()
    return time_calls(plan, lambda: torch.mm(a, b, out=c)), err


def sweep(cfg, plan):
    x_all = torch.tensor(cfg["x"], dtype=torch.float32).reshape(-1, 2)
    y_all = torch.tensor(cfg["y"], dtype=torch.long)
    out = {}
    for c in cfg["configs"]:
        batch, width = c["batch"], c["width"]
        torch.manual_seed(0)
        out[c["key"]] = time_calls(plan, train_step_fn([2, width, 2], x_all[:batch], y_all[:batch]))
    return out


def main():
    cfg = json.load(sys.stdin)
    plans = cfg["plans"]
    default_threads = torch.get_num_threads()
    results = {}
    report = {
        "torch": torch.__version__,
        "python": platform.python_version(),
        "default_threads": default_threads,
        "results": results,
        "w1_losses": [],
        "w3_max_abs_err": {},
    }
    thread_settings = [("threads=1", 1)] + ([("threads=default", default_threads)] if default_threads != 1 else [])

    # Sections the caller left out (null) are skipped. W1 runs on one thread: every figure compared with
    # PyTorch is its single-thread speed (the lesson's 2-3-2 model does not use a second thread anyway).
    torch.set_num_threads(1)
    if cfg.get("w1"):
        results["W1"], report["w1_losses"] = w1(cfg["w1"], plans["w1"])
    for name, threads in thread_settings:
        torch.set_num_threads(threads)
        if cfg.get("w2"):
            results[f"W2 {name}"] = w2(cfg["w2"], plans["w2"])
        for shape in cfg.get("w3") or []:
            key = "x".join(map(str, shape))
            results[f"W3 {key} {name}"], report["w3_max_abs_err"][key] = w3(shape, plans["w3"])
    torch.set_num_threads(1)
    if cfg.get("sweep"):
        results.update(sweep(cfg["sweep"], plans["sweep"]))
    print(json.dumps(report))


if __name__ == "__main__":
    main()
