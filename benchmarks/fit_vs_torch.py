"""`model.fit` against a hand-written PyTorch loop on the same model, data, optimizer and batch size.

Each row trains the same architecture from the same initial weights both ways, in this
process, alternating runs to share the machine's noise fairly, and reports the time per
training step of each and the ratio cornu / torch (1.00 = as fast as the hand loop). With
`keras` 3 installed (torch backend), Keras's ratio on the same model is printed too.

    python benchmarks/fit_vs_torch.py [--rows mlp,cnn,lstm] [--steps 200] [--repeats 3]
                                      [--jit] [--device cuda] [--precision mixed_bfloat16]

Both sides run on the same device (cornu's default: CUDA when present); the hand loop keeps
the whole data set on that device, as a PyTorch user would for MNIST. With
`--precision mixed_bfloat16` cornu uses its mixed policy and the hand loop `torch.autocast`.

Data: MNIST from `CORNU_DATASETS_DIR` or ../shared/data when present, else random images.
"""

import argparse
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

import cornu
from cornu import layers

HERE = os.path.dirname(os.path.abspath(__file__))


def load_mnist(n):
    shared = os.path.join(HERE, "..", "..", "shared", "data")
    if "CORNU_DATASETS_DIR" not in os.environ and os.path.isdir(shared):
        os.environ["CORNU_DATASETS_DIR"] = shared
    try:
        (x, y), _ = cornu.datasets.mnist.load_data()
        x = x[:n].astype("float32") / 255.0
        return x, y[:n].astype("int64")
    except Exception as e:  # noqa: BLE001 - the benchmark also runs without data
        print(f"(MNIST unavailable: {e}; using random data)", file=sys.stderr)
        rng = np.random.default_rng(0)
        return rng.random((n, 28, 28), dtype=np.float32), rng.integers(0, 10, n)


# ---------------------------------------------------------------- models (cornu, torch)

def mlp_cornu():
    return cornu.Sequential([layers.Input((784,)), layers.Dense(64, activation="relu"),
                             layers.Dense(64, activation="relu"), layers.Dense(10)])


class MLPTorch(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.l1, self.l2, self.l3 = torch.nn.Linear(784, 64), torch.nn.Linear(64, 64), torch.nn.Linear(64, 10)

    def forward(self, x):
        return self.l3(F.relu(self.l2(F.relu(self.l1(x)))))


def cnn_cornu():
    return cornu.Sequential([
        layers.Input((28, 28, 1)), layers.Conv2D(32, 3, activation="relu"),
        layers.Conv2D(64, 3, activation="relu"), layers.MaxPooling2D(2), layers.Dropout(0.25),
        layers.Flatten(), layers.Dense(128, activation="relu"), layers.Dropout(0.5),
        layers.Dense(10)])


class CNNTorch(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.c1, self.c2 = torch.nn.Conv2d(1, 32, 3), torch.nn.Conv2d(32, 64, 3)
        self.d1, self.d2 = torch.nn.Linear(12 * 12 * 64, 128), torch.nn.Linear(128, 10)

    def forward(self, x):  # x: NHWC, as the cornu model receives it
        x = x.permute(0, 3, 1, 2)
        x = F.max_pool2d(F.relu(self.c2(F.relu(self.c1(x)))), 2)
        x = F.dropout(x, 0.25, self.training)
        x = x.permute(0, 2, 3, 1).flatten(1)
        x = F.dropout(F.relu(self.d1(x)), 0.5, self.training)
        return self.d2(x)


def lstm_cornu():
    return cornu.Sequential([layers.Input((28, 28)), layers.LSTM(64), layers.Dense(10)])


class LSTMTorch(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = torch.nn.LSTM(28, 64, batch_first=True)
        self.out = torch.nn.Linear(64, 10)

    def forward(self, x):
        _, (h, _) = self.lstm(x)
        return self.out(h[-1])


ROWS = {
    # name: (cornu builder, torch builder, input shape, batch, cornu optimizer, torch optimizer)
    "mlp": (mlp_cornu, MLPTorch, (784,), 64,
            lambda: cornu.optimizers.RMSprop(1e-3),
            lambda p: torch.optim.RMSprop(p, lr=1e-3, alpha=0.9, eps=1e-7)),
    "cnn": (cnn_cornu, CNNTorch, (28, 28, 1), 128,
            lambda: cornu.optimizers.Adam(1e-3),
            lambda p: torch.optim.Adam(p, lr=1e-3, eps=1e-7)),
    "lstm": (lstm_cornu, LSTMTorch, (28, 28), 64,
             lambda: cornu.optimizers.Adam(1e-3),
             lambda p: torch.optim.Adam(p, lr=1e-3, eps=1e-7)),
}


# ---------------------------------------------------------------- loops

def torch_loop(model, opt, x, y, batch, epochs, autocast_dtype=None):
    """What a PyTorch user writes: shuffle, slice, forward, loss, backward, step, track."""
    model.train()
    n = x.shape[0]
    for _ in range(epochs):
        perm = torch.randperm(n, device=x.device)
        total = torch.zeros((), device=x.device)
        correct = torch.zeros((), dtype=torch.long, device=x.device)
        for start in range(0, n, batch):
            idx = perm[start:start + batch]
            xb, yb = x[idx], y[idx]
            with torch.autocast(x.device.type, dtype=autocast_dtype,
                                enabled=autocast_dtype is not None):
                logits = model(xb)
                loss = F.cross_entropy(logits.float(), yb)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            total += loss.detach() * xb.shape[0]
            correct += (logits.detach().argmax(-1) == yb).sum()
        (total / n).item(), (correct / n).item()


def _sync():
    if torch.cuda.is_available():
        torch.cuda.synchronize()


def time_cornu(name, x, y, epochs, jit=False, precision="float32"):
    build, _, _, batch, make_opt, _ = ROWS[name]
    cornu.mixed_precision.set_global_policy(precision)
    try:
        model = build()
    finally:
        cornu.mixed_precision.set_global_policy("float32")
    model.compile(make_opt(), cornu.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"], jit_compile=jit)
    # Warm-up (and, with jit, compilation) on a few batches including a short last one.
    model.fit(x[:batch * 4 + 3], y[:batch * 4 + 3], batch_size=batch, epochs=2, verbose=0)
    _sync()
    start = time.perf_counter()
    model.fit(x, y, batch_size=batch, epochs=epochs, verbose=0)
    _sync()
    return time.perf_counter() - start


def time_torch(name, x, y, epochs, device, precision="float32"):
    _, build, _, batch, _, make_opt = ROWS[name]
    model = build().to(device)
    opt = make_opt(model.parameters())
    autocast = torch.bfloat16 if precision == "mixed_bfloat16" else None
    xt, yt = torch.from_numpy(x).to(device), torch.from_numpy(y).to(device)
    torch_loop(model, opt, xt[:batch * 4], yt[:batch * 4], batch, 1, autocast)
    _sync()
    start = time.perf_counter()
    torch_loop(model, opt, xt, yt, batch, epochs, autocast)
    _sync()
    return time.perf_counter() - start


def time_keras(name, x, y, epochs):
    os.environ.setdefault("KERAS_BACKEND", "torch")
    try:
        import keras
    except ImportError:
        return None
    # Same architecture rebuilt with Keras's own classes.
    kl = keras.layers
    if name == "mlp":
        model = keras.Sequential([keras.Input((784,)), kl.Dense(64, activation="relu"),
                                  kl.Dense(64, activation="relu"), kl.Dense(10)])
        opt = keras.optimizers.RMSprop(1e-3)
    elif name == "cnn":
        model = keras.Sequential([keras.Input((28, 28, 1)), kl.Conv2D(32, 3, activation="relu"),
                                  kl.Conv2D(64, 3, activation="relu"), kl.MaxPooling2D(2),
                                  kl.Dropout(0.25), kl.Flatten(), kl.Dense(128, activation="relu"),
                                  kl.Dropout(0.5), kl.Dense(10)])
        opt = keras.optimizers.Adam(1e-3)
    else:
        model = keras.Sequential([keras.Input((28, 28)), kl.LSTM(64), kl.Dense(10)])
        opt = keras.optimizers.Adam(1e-3)
    batch = ROWS[name][3]
    model.compile(opt, keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    model.fit(x[:batch * 4], y[:batch * 4], batch_size=batch, epochs=1, verbose=0)
    start = time.perf_counter()
    model.fit(x, y, batch_size=batch, epochs=epochs, verbose=0)
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", default="mlp,cnn,lstm")
    parser.add_argument("--steps", type=int, default=200, help="training steps per timed run")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-keras", action="store_true")
    parser.add_argument("--jit", action="store_true",
                        help="also time cornu with jit_compile=True (torch.compile)")
    parser.add_argument("--device", default=None, help="cpu, cuda, ... (default: cornu's)")
    parser.add_argument("--precision", default="float32", choices=["float32", "mixed_bfloat16"])
    args = parser.parse_args()
    if args.device:
        cornu.config.set_device(args.device)
    device = cornu.config.device()
    torch.manual_seed(0)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, device {device}, "
          f"{args.precision}")
    header = f"{'model':<6} {'batch':>5} {'cornu ms/step':>14} {'torch ms/step':>14} {'ratio':>6} {'keras ratio':>12}"
    print(header + (f" {'jit ms/step':>12} {'jit ratio':>10}" if args.jit else ""))
    for name in args.rows.split(","):
        build, _, shape, batch, _, _ = ROWS[name]
        try:
            build()
        except AttributeError as e:
            print(f"{name:<6} skipped: {e}")
            continue
        n = batch * args.steps
        x, y = load_mnist(n)
        x = x.reshape((x.shape[0],) + shape)
        cornu_t, torch_t, keras_t, jit_t = [], [], [], []
        for _ in range(args.repeats):
            cornu_t.append(time_cornu(name, x, y, 1, precision=args.precision))
            if args.jit:
                jit_t.append(time_cornu(name, x, y, 1, jit=True, precision=args.precision))
            torch_t.append(time_torch(name, x, y, 1, device, args.precision))
            if not args.no_keras and args.precision == "float32":
                k = time_keras(name, x, y, 1)
                if k is not None:
                    keras_t.append(k)
        steps = -(-x.shape[0] // batch)
        c, t = min(cornu_t) / steps * 1e3, min(torch_t) / steps * 1e3
        k = f"{min(keras_t) / steps * 1e3 / t:12.2f}" if keras_t else f"{'-':>12}"
        j = ""
        if jit_t:
            jm = min(jit_t) / steps * 1e3
            j = f" {jm:12.3f} {jm / t:10.2f}"
        print(f"{name:<6} {batch:>5} {c:14.3f} {t:14.3f} {c / t:6.2f} {k}{j}"
              f"   ({batch / c * 1e3:,.0f} samples/s)")


if __name__ == "__main__":
    main()
