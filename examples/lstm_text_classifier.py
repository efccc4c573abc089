"""IMDB sentiment with an Embedding and a bidirectional LSTM.

    python examples/lstm_text_classifier.py
"""

import cornu as keras
from cornu import layers

import example_data

MAX_FEATURES = 20000
MAXLEN = 200


def main():
    keras.utils.set_random_seed(6)
    example_data.use_local_mirror()
    (x_train, y_train), (x_val, y_val) = keras.datasets.imdb.load_data(num_words=MAX_FEATURES)
    n = example_data.samples()
    x_train = keras.utils.pad_sequences(x_train[:n], maxlen=MAXLEN)
    x_val = keras.utils.pad_sequences(x_val[:n], maxlen=MAXLEN)
    y_train, y_val = y_train[:n], y_val[:n]
    print(f"{len(x_train)} training sequences, {len(x_val)} validation sequences")

    inputs = keras.Input(shape=(None,), dtype="int32")
    x = layers.Embedding(MAX_FEATURES, 128)(inputs)
    x = layers.Bidirectional(layers.LSTM(64, return_sequences=True))(x)
    x = layers.Bidirectional(layers.LSTM(64))(x)
    outputs = layers.Dense(1, activation="sigmoid")(x)
    model = keras.Model(inputs, outputs)
    model.summary()

    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    model.fit(x_train, y_train, batch_size=32, epochs=example_data.epochs(2),
              validation_data=(x_val, y_val))
    loss, acc = model.evaluate(x_val, y_val, verbose=0)
    print(f"Validation accuracy: {acc:.4f}")


if __name__ == "__main__":
    main()
