"""Feature extraction with VGG19: every layer's output for a batch of images.

Keras's recipe (keras.io, "Feature extraction with a Sequential/Functional model"): build
VGG19 without its classifier, then a model whose outputs are the outputs of all its layers.

Weights: Keras's ImageNet weights when `vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5` is
in the cache (`$CORNU_HOME/models` or `~/.cornu/models`), otherwise random initialization;
`CORNU_EXAMPLE_WEIGHTS=imagenet` downloads the file, `CORNU_EXAMPLE_WEIGHTS=<path>` loads a
weights file. Images: a random batch of `CORNU_EXAMPLE_SAMPLES` (default 4) images of
`CORNU_EXAMPLE_IMAGE_SIZE` pixels (default 224; CI uses 32 to stay quick).

    python examples/feature_extraction_vgg19.py
"""

import os

import numpy as np

import cornu as keras
from cornu.applications import vgg19 as vgg19_module
from cornu.utils.file_utils import cornu_home


def pick_weights():
    requested = os.environ.get("CORNU_EXAMPLE_WEIGHTS")
    if requested:
        return None if requested == "none" else requested
    file_name = os.path.basename(vgg19_module.WEIGHTS_PATH_NO_TOP)
    cached = os.path.join(cornu_home(), "models", file_name)
    return "imagenet" if os.path.exists(cached) else None


def main():
    samples = int(os.environ.get("CORNU_EXAMPLE_SAMPLES", 0)) or 4
    size = int(os.environ.get("CORNU_EXAMPLE_IMAGE_SIZE", 0)) or 224
    weights = pick_weights()
    print(f"VGG19 weights: {weights or 'random initialization'}; "
          f"{samples} images of {size}x{size}")

    vgg19 = keras.applications.VGG19(weights=weights, include_top=False,
                                     input_shape=(size, size, 3))
    extractor = keras.Model(inputs=vgg19.input,
                            outputs=[layer.output for layer in vgg19.layers])

    keras.utils.set_random_seed(0)
    images = np.random.default_rng(0).uniform(0, 255, (samples, size, size, 3))
    features = extractor.predict(vgg19_module.preprocess_input(images.astype("float32")),
                                 verbose=0)
    for layer, feature in zip(vgg19.layers, features):
        print(f"{layer.name:>14}: {tuple(feature.shape)}")
    return features


if __name__ == "__main__":
    main()
