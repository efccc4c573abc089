"""Python overhead of a layer call: cornu `Dense` vs `torch.nn.Linear` on a tiny input.

Prints the time per call of each and their ratio (cornu / torch). Both run on the same
input with the same weights; the tiny input makes the per-call Python work dominate.

    python benchmarks/dense_call.py
"""

import timeit

import torch

from cornu import layers


def measure(fn, number=20000, repeat=7):
    fn()
    return min(timeit.repeat(fn, number=number, repeat=repeat)) / number


def main():
    torch.manual_seed(0)
    x = torch.randn(2, 8)
    linear = torch.nn.Linear(8, 4)
    dense = layers.Dense(4)
    dense(x)
    dense.set_weights([linear.weight.detach().t().numpy(), linear.bias.detach().numpy()])
    torch.testing.assert_close(dense(x), linear(x))
    rows = []
    for grad in (False, True):
        ctx = torch.enable_grad if grad else torch.no_grad
        with ctx():
            t_torch = measure(lambda: linear(x))
            t_cornu = measure(lambda: dense(x))
        rows.append((("with" if grad else "no") + " grad", t_cornu, t_torch))
    print(f"{'mode':<10} {'cornu us':>9} {'torch us':>9} {'ratio':>6}")
    for mode, c, t in rows:
        print(f"{mode:<10} {c * 1e6:9.2f} {t * 1e6:9.2f} {c / t:6.2f}")


if __name__ == "__main__":
    main()
