"""Times cornu's `Optimizer.step` against the matching `torch.optim` optimizer's `step()`.

The parameters are those of a 784-64-64-10 MLP with fixed random gradients. Prints
microseconds per step and the ratio cornu / torch for each pair (lower is better).

Usage: python benchmarks/optimizer_step.py [--device cpu|cuda] [--steps N]
"""

import argparse
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import cornu.optimizers as optimizers  # noqa: E402

# (name, cornu factory, torch factory taking (params, foreach)).
PAIRS = [
    ("SGD", lambda: optimizers.SGD(0.01),
     lambda p, f: torch.optim.SGD(p, lr=0.01, foreach=f)),
    ("SGD momentum", lambda: optimizers.SGD(0.01, momentum=0.9),
     lambda p, f: torch.optim.SGD(p, lr=0.01, momentum=0.9, foreach=f)),
    ("Adam", lambda: optimizers.Adam(), lambda p, f: torch.optim.Adam(p, lr=1e-3, foreach=f)),
    ("AdamW", lambda: optimizers.AdamW(),
     lambda p, f: torch.optim.AdamW(p, lr=1e-3, foreach=f)),
    ("RMSprop", lambda: optimizers.RMSprop(),
     lambda p, f: torch.optim.RMSprop(p, lr=1e-3, foreach=f)),
    ("Adagrad", lambda: optimizers.Adagrad(),
     lambda p, f: torch.optim.Adagrad(p, lr=1e-3, foreach=f)),
]


def make_params(device):
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(784, 64), torch.nn.ReLU(),
                                torch.nn.Linear(64, 64), torch.nn.ReLU(),
                                torch.nn.Linear(64, 10)).to(device)
    params = list(model.parameters())
    for p in params:
        p.grad = torch.randn_like(p) * 1e-3
    return params


def time_steps(step, steps, device):
    for _ in range(10):  # warm-up (also builds slots lazily)
        step()
    if device == "cuda":
        torch.cuda.synchronize()
    start = time.perf_counter()
    for _ in range(steps):
        step()
    if device == "cuda":
        torch.cuda.synchronize()
    return (time.perf_counter() - start) / steps * 1e6


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--steps", type=int, default=1000)
    args = parser.parse_args()
    print(f"device={args.device} torch={torch.__version__} steps={args.steps}")
    print("torch default = torch.optim's own choice of implementation; foreach = foreach=True")
    print(f"{'optimizer':<14}{'cornu us':>10}{'default us':>12}{'ratio':>7}"
          f"{'foreach us':>12}{'ratio':>7}")
    for name, make_cornu, make_torch in PAIRS:
        params = make_params(args.device)
        cornu_opt = make_cornu()
        cornu_us = time_steps(lambda: cornu_opt.step(params), args.steps, args.device)
        row = f"{name:<14}{cornu_us:>10.1f}"
        for foreach in (None, True):
            params = make_params(args.device)
            torch_opt = make_torch(params, foreach)
            torch_us = time_steps(torch_opt.step, args.steps, args.device)
            row += f"{torch_us:>12.1f}{cornu_us / torch_us:>7.2f}"
        print(row)


if __name__ == "__main__":
    main()
