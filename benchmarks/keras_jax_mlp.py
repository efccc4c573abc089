"""Keras 3 on JAX (jit-compiled `fit`) against cornu on the MLP row of `fit_vs_torch.py`.

Runs Keras in a child process (its backend is fixed at import), then cornu here, on the same
data and batch size, and prints the time per training step of each. Needs `keras` and `jax`.

    python benchmarks/keras_jax_mlp.py [--steps 200] [--repeats 3] [--jit]
"""

import argparse
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

KERAS_CHILD = """
import json, sys, time
import numpy as np
import keras
steps, repeats, batch = int(sys.argv[1]), int(sys.argv[2]), 64
x = np.load(sys.argv[3]); y = np.load(sys.argv[4])
times = []
for _ in range(repeats):
    model = keras.Sequential([keras.Input((784,)), keras.layers.Dense(64, activation="relu"),
                              keras.layers.Dense(64, activation="relu"), keras.layers.Dense(10)])
    model.compile(keras.optimizers.RMSprop(1e-3),
                  keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    model.fit(x[:batch * 4 + 3], y[:batch * 4 + 3], batch_size=batch, epochs=2, verbose=0)
    start = time.perf_counter()
    model.fit(x, y, batch_size=batch, epochs=1, verbose=0)
    times.append((time.perf_counter() - start) / steps * 1e3)
print(json.dumps({"ms": min(times), "device": str(__import__("jax").devices()[0])}))
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--jit", action="store_true", help="also time cornu with jit_compile")
    args = parser.parse_args()
    sys.path.insert(0, HERE)
    import numpy as np
    import fit_vs_torch as bench

    x, y = bench.load_mnist(64 * args.steps)
    x = x.reshape(-1, 784)
    tmp = os.path.join(HERE, "..", "out")
    os.makedirs(tmp, exist_ok=True)
    xf, yf = os.path.join(tmp, "bench_x.npy"), os.path.join(tmp, "bench_y.npy")
    np.save(xf, x)
    np.save(yf, y)
    env = dict(os.environ, KERAS_BACKEND="jax")
    child = subprocess.run([sys.executable, "-c", KERAS_CHILD, str(args.steps),
                            str(args.repeats), xf, yf], env=env, capture_output=True, text=True)
    if child.returncode != 0:
        sys.exit("Keras on JAX failed:\n" + child.stderr[-2000:])
    keras_result = json.loads(child.stdout.strip().splitlines()[-1])
    rows = [("cornu", False)] + ([("cornu jit", True)] if args.jit else [])
    print(f"Keras 3 on JAX ({keras_result['device']}): {keras_result['ms']:.3f} ms/step")
    for label, jit in rows:
        ms = min(bench.time_cornu("mlp", x, y, 1, jit=jit) for _ in range(args.repeats))
        ms = ms / args.steps * 1e3
        print(f"{label}: {ms:.3f} ms/step, {ms / keras_result['ms']:.2f}x Keras-JAX's time")


if __name__ == "__main__":
    main()
