"""Keras's ticket model: three inputs (title, body, tags) and two outputs (priority, department).

Losses, loss weights and metrics are keyed by output name, and the data is given as dicts
keyed by input and output names. The data is random, as in Keras's Functional API guide.

    python examples/ticket_classifier.py
"""

import numpy as np

import cornu as keras
from cornu import layers

import example_data

NUM_TAGS = 12
NUM_WORDS = 10000
NUM_DEPARTMENTS = 4


def build_model():
    title_input = keras.Input(shape=(None,), name="title")
    body_input = keras.Input(shape=(None,), name="body")
    tags_input = keras.Input(shape=(NUM_TAGS,), name="tags")

    title_features = layers.Embedding(NUM_WORDS, 64)(title_input)
    body_features = layers.Embedding(NUM_WORDS, 64)(body_input)
    title_features = layers.LSTM(128)(title_features)
    body_features = layers.LSTM(32)(body_features)
    x = layers.concatenate([title_features, body_features, tags_input])

    priority_pred = layers.Dense(1, name="priority")(x)
    department_pred = layers.Dense(NUM_DEPARTMENTS, name="department")(x)
    return keras.Model(inputs=[title_input, body_input, tags_input],
                       outputs={"priority": priority_pred, "department": department_pred})


def main():
    keras.utils.set_random_seed(4)
    model = build_model()
    model.summary()
    try:
        path = example_data.out_path("multi_input_and_output_model.png")
        keras.utils.plot_model(model, path, show_shapes=True)
        print(f"Wrote the model plot to {path}")
    except (ImportError, OSError) as e:
        print(f"Skipped the model plot: {e}")
    model.compile(
        optimizer=keras.optimizers.RMSprop(1e-3),
        loss={"priority": keras.losses.BinaryCrossentropy(from_logits=True),
              "department": keras.losses.CategoricalCrossentropy(from_logits=True)},
        loss_weights={"priority": 1.0, "department": 0.2},
        metrics={"department": ["accuracy"]},
    )

    n = example_data.samples() or 1280
    rng = np.random.default_rng(0)
    title_data = rng.integers(0, NUM_WORDS, size=(n, 10))
    body_data = rng.integers(0, NUM_WORDS, size=(n, 100))
    tags_data = rng.integers(0, 2, size=(n, NUM_TAGS)).astype("float32")
    priority_targets = rng.random(size=(n, 1))
    dept_targets = keras.utils.to_categorical(rng.integers(0, NUM_DEPARTMENTS, n), NUM_DEPARTMENTS)

    history = model.fit({"title": title_data, "body": body_data, "tags": tags_data},
                        {"priority": priority_targets, "department": dept_targets},
                        epochs=example_data.epochs(2), batch_size=32)
    print("Logged:", ", ".join(sorted(history.history)))
    preds = model.predict({"title": title_data[:5], "body": body_data[:5], "tags": tags_data[:5]},
                          verbose=0)
    print(f"Predictions: priority {preds['priority'].shape}, "
          f"department {preds['department'].shape}")


if __name__ == "__main__":
    main()
