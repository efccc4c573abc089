"""Run by torchrun from test_data_parallel.py: trains a model data-parallel, saves rank results."""

import sys

import numpy as np

import cornu as keras
from cornu import layers


def main(out_dir, shuffle):
    data = np.load(f"{out_dir}/data.npz")
    keras.distribution.set_distribution(keras.distribution.DataParallel())
    rank = keras.distribution.distribution().rank
    model = keras.Sequential([keras.Input((6,)), layers.Dense(8, activation="tanh"),
                              layers.Dense(3)])
    if rank == 0:
        model.set_weights([data[f"w{i}"] for i in range(4)])  # others get rank 0's by broadcast
    model.compile(keras.optimizers.Adam(0.01),
                  keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    history = model.fit(data["x"], data["y"], batch_size=20, epochs=3, shuffle=shuffle == "1",
                        verbose=0)
    scores = model.evaluate(data["x"], data["y"], batch_size=20, verbose=0, return_dict=True)
    np.savez(f"{out_dir}/rank{rank}.npz", *model.get_weights(),
             loss=np.array(history.history["loss"]), eval_loss=scores["loss"],
             eval_acc=scores["accuracy"])


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
