"""A convolutional autoencoder on MNIST whose encoder and decoder are nested models.

The encoder maps a 28x28 image to a 16-number code, the decoder maps a code back to an
image, and the autoencoder is a third model that calls both like layers.

    python examples/conv_autoencoder.py
"""

import numpy as np

import cornu as keras
from cornu import layers

import example_data


def main():
    keras.utils.set_random_seed(3)
    example_data.use_local_mirror()
    (x_train, _), (x_test, _) = keras.datasets.mnist.load_data()
    n = example_data.samples()
    x_train = x_train[:n, :, :, None].astype("float32") / 255
    x_test = x_test[:n, :, :, None].astype("float32") / 255

    encoder_input = keras.Input(shape=(28, 28, 1), name="img")
    x = layers.Conv2D(16, 3, activation="relu")(encoder_input)
    x = layers.Conv2D(32, 3, activation="relu")(x)
    x = layers.MaxPooling2D(3)(x)
    x = layers.Conv2D(32, 3, activation="relu")(x)
    x = layers.Conv2D(16, 3, activation="relu")(x)
    encoder_output = layers.GlobalMaxPooling2D()(x)
    encoder = keras.Model(encoder_input, encoder_output, name="encoder")

    decoder_input = keras.Input(shape=(16,), name="encoded_img")
    x = layers.Reshape((4, 4, 1))(decoder_input)
    x = layers.Conv2DTranspose(16, 3, activation="relu")(x)
    x = layers.Conv2DTranspose(32, 3, activation="relu")(x)
    x = layers.UpSampling2D(3)(x)
    x = layers.Conv2DTranspose(16, 3, activation="relu")(x)
    decoder_output = layers.Conv2DTranspose(1, 3, activation="sigmoid")(x)
    decoder = keras.Model(decoder_input, decoder_output, name="decoder")

    autoencoder_input = keras.Input(shape=(28, 28, 1), name="img")
    autoencoder = keras.Model(autoencoder_input, decoder(encoder(autoencoder_input)),
                              name="autoencoder")
    autoencoder.summary()

    autoencoder.compile(optimizer="adam", loss="binary_crossentropy")
    history = autoencoder.fit(x_train, x_train, batch_size=128, epochs=example_data.epochs(3),
                              validation_data=(x_test, x_test))
    codes = encoder.predict(x_test[:8], verbose=0)
    recon = decoder.predict(codes, verbose=0)
    print(f"Codes: {codes.shape}, reconstructions: {recon.shape}")
    print(f"Reconstruction loss: {history.history['loss'][0]:.4f} -> "
          f"{history.history['loss'][-1]:.4f}")
    same = np.allclose(autoencoder.predict(x_test[:8], verbose=0), recon, atol=1e-5)
    print(f"Autoencoder equals decoder(encoder(x)): {same}")


if __name__ == "__main__":
    main()
