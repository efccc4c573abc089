"""ConvNeXt Tiny, Small, Base, Large, XLarge (Liu et al., CVPR 2022), with Keras's layer names
and weight files.

The models take pixels in [0, 255] and normalize them themselves (`include_preprocessing`), so
`preprocess_input` does nothing (kept for Keras's API).
"""

import numpy as np
import torch

from cornu import initializers, layers
from cornu.applications import imagenet_utils
from cornu.backend import config
from cornu.layers.layer import Layer
from cornu.models import Model, Sequential

BASE_WEIGHTS_PATH = "https://storage.googleapis.com/tensorflow/keras-applications/convnext/"
# Keras's sha256 hashes of the files with and without the top.
WEIGHTS_HASHES = {
    "convnext_tiny": ("8ae6e78ce2933352b1ef4008e6dd2f17bc40771563877d156bc6426c7cf503ff",
                      "d547c096cabd03329d7be5562c5e14798aa39ed24b474157cef5e85ab9e49ef1"),
    "convnext_small": ("ce1277d8f1ee5a0ef0e171469089c18f5233860ceaf9b168049cb9263fd7483c",
                       "6fc8009faa2f00c1c1dfce59feea9b0745eb260a7dd11bee65c8e20843da6eab"),
    "convnext_base": ("52cbb006d3dadd03f6e095a8ca1aca47aecdd75acb4bc74bce1f5c695d0086e6",
                      "40a20c5548a5e9202f69735ecc06c990e6b7c9d2de39f0361e27baeb24cb7c45"),
    "convnext_large": ("070c5ed9ed289581e477741d3b34beffa920db8cf590899d6d2c67fba2a198a6",
                       "96f02b6f0753d4f543261bc9d09bed650f24dd6bc02ddde3066135b63d23a1cd"),
    "convnext_xlarge": ("c1f5ccab661354fc3a79a10fa99af82f0fbf10ec65cb894a3ae0815f17a889ee",
                        "de3f8a54174130e0cecdc71583354753d557fcf1f4487331558e2a16ba0cfe05"),
}
MODEL_CONFIGS = {
    "tiny": {"depths": [3, 3, 9, 3], "projection_dims": [96, 192, 384, 768],
             "default_size": 224},
    "small": {"depths": [3, 3, 27, 3], "projection_dims": [96, 192, 384, 768],
              "default_size": 224},
    "base": {"depths": [3, 3, 27, 3], "projection_dims": [128, 256, 512, 1024],
             "default_size": 224},
    "large": {"depths": [3, 3, 27, 3], "projection_dims": [192, 384, 768, 1536],
              "default_size": 224},
    "xlarge": {"depths": [3, 3, 27, 3], "projection_dims": [256, 512, 1024, 2048],
               "default_size": 224},
}


class StochasticDepth(Layer):
    """Drops the whole residual branch of a sample with probability `drop_path_rate` in
    training (the kept ones scaled by `1 / (1 - drop_path_rate)`); the identity in inference.

    Args:
        drop_path_rate: probability of dropping a sample's branch, in [0, 1).
    """

    _keras_module = "keras.src.applications.convnext"

    def __init__(self, drop_path_rate, **kwargs):
        super().__init__(**kwargs)
        if not 0 <= drop_path_rate < 1:
            raise ValueError("`drop_path_rate` must be in [0, 1). "
                             f"Received: drop_path_rate={drop_path_rate!r}")
        self.drop_path_rate = drop_path_rate
        self.built = True

    def call(self, x, training=None):
        if not training or not self.drop_path_rate:
            return x
        keep_prob = 1.0 - self.drop_path_rate
        shape = (x.shape[0],) + (1,) * (x.ndim - 1)
        mask = torch.floor(keep_prob + torch.rand(shape, dtype=x.dtype, device=x.device))
        return x / keep_prob * mask

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "drop_path_rate": self.drop_path_rate}


class LayerScale(Layer):
    """Multiplies the last axis by a learned vector `gamma`, initialized to `init_values`.

    Args:
        init_values: initial value of every scale.
        projection_dim: size of the last axis.
    """

    _keras_module = "keras.src.applications.convnext"

    def __init__(self, init_values, projection_dim, **kwargs):
        super().__init__(**kwargs)
        self.init_values = init_values
        self.projection_dim = projection_dim

    def build(self, input_shape):
        self.gamma = self.add_weight(shape=(self.projection_dim,), name="variable",
                                     initializer=initializers.Constant(self.init_values))
        self.built = True

    def call(self, x):
        return x * self.gamma

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "init_values": self.init_values,
                "projection_dim": self.projection_dim}


def ConvNeXtBlock(projection_dim, drop_path_rate=0.0, layer_scale_init_value=1e-6, name=None):
    """7x7 depthwise conv, LayerNorm, 4x expansion MLP with GELU, layer scale, residual."""
    def apply(inputs):
        x = layers.Conv2D(projection_dim, kernel_size=7, padding="same", groups=projection_dim,
                          name=f"{name}_depthwise_conv")(inputs)
        x = layers.LayerNormalization(epsilon=1e-6, name=f"{name}_layernorm")(x)
        x = layers.Dense(4 * projection_dim, name=f"{name}_pointwise_conv_1")(x)
        x = layers.Activation("gelu", name=f"{name}_gelu")(x)
        x = layers.Dense(projection_dim, name=f"{name}_pointwise_conv_2")(x)
        if layer_scale_init_value is not None:
            x = LayerScale(layer_scale_init_value, projection_dim,
                           name=f"{name}_layer_scale")(x)
        if drop_path_rate:
            branch = StochasticDepth(drop_path_rate, name=f"{name}_stochastic_depth")
        else:
            branch = layers.Activation("linear", name=f"{name}_identity")
        return inputs + branch(x)
    return apply


def ConvNeXt(depths, projection_dims, drop_path_rate=0.0, layer_scale_init_value=1e-6,
             default_size=224, name="convnext", include_preprocessing=True, include_top=True,
             weights=None, input_tensor=None, input_shape=None, pooling=None, classes=1000,
             classifier_activation="softmax", weights_name=None):
    """Builds a ConvNeXt: a patchify stem, four stages of `depths[i]` blocks of width
    `projection_dims[i]` with downsampling between them, and the head.

    `weights_name` ("convnext_tiny", ...) picks Keras's weight file for `weights="imagenet"`.
    """
    if config.image_data_format() == "channels_first":
        raise ValueError("ConvNeXt does not support the 'channels_first' image data format: "
                         "use keras.config.set_image_data_format('channels_last').")
    if weights == "imagenet":
        expected = MODEL_CONFIGS.get(str(weights_name).split("convnext_")[-1])
        if expected is None:
            raise ValueError(f"ImageNet weights exist for {sorted(WEIGHTS_HASHES)}. "
                             f"Received: weights_name={weights_name!r}")
        if (list(depths) != expected["depths"]
                or list(projection_dims) != expected["projection_dims"]):
            raise ValueError(f"The ImageNet weights of {weights_name} need depths "
                             f"{expected['depths']} and projection_dims "
                             f"{expected['projection_dims']}. Received: depths={list(depths)}, "
                             f"projection_dims={list(projection_dims)}")
    img_input, inputs, input_shape = imagenet_utils.prepare_input(
        weights, include_top, classes, input_tensor, input_shape, default_size,
        classifier_activation=classifier_activation)

    x = img_input
    if include_preprocessing and input_shape[-1] == 3:
        x = layers.Normalization(mean=[0.485 * 255, 0.456 * 255, 0.406 * 255],
                                 variance=[(0.229 * 255) ** 2, (0.224 * 255) ** 2,
                                           (0.225 * 255) ** 2],
                                 name=f"{name}_prestem_normalization")(x)
    stem = Sequential([
        layers.Conv2D(projection_dims[0], kernel_size=4, strides=4, name=f"{name}_stem_conv"),
        layers.LayerNormalization(epsilon=1e-6, name=f"{name}_stem_layernorm"),
    ], name=f"{name}_stem")
    downsampling = [stem] + [Sequential([
        layers.LayerNormalization(epsilon=1e-6, name=f"{name}_downsampling_layernorm_{i}"),
        layers.Conv2D(projection_dims[i + 1], kernel_size=2, strides=2,
                      name=f"{name}_downsampling_conv_{i}"),
    ], name=f"{name}_downsampling_block_{i}") for i in range(3)]

    drop_rates = [float(r) for r in np.linspace(0.0, drop_path_rate, sum(depths))]
    cur = 0
    for i in range(4):
        x = downsampling[i](x)
        for j in range(depths[i]):
            x = ConvNeXtBlock(projection_dims[i], drop_rates[cur + j], layer_scale_init_value,
                              name=f"{name}_stage_{i}_block_{j}")(x)
        cur += depths[i]

    if include_top:
        x = layers.GlobalAveragePooling2D(name=f"{name}_head_gap")(x)
        x = layers.LayerNormalization(epsilon=1e-6, name=f"{name}_head_layernorm")(x)
        x = layers.Dense(classes, activation=classifier_activation,
                         name=f"{name}_head_dense")(x)
    else:
        x = imagenet_utils.pooling_head(x, pooling)
        x = layers.LayerNormalization(epsilon=1e-6)(x)
    model = Model(inputs, x, name=name)
    # Keras names the file after the model's name; the variant's name works for any name.
    hash_top, hash_notop = WEIGHTS_HASHES.get(weights_name, (None, None))
    return imagenet_utils.load_weights(model, weights, include_top,
                                       f"{BASE_WEIGHTS_PATH}{weights_name}.h5",
                                       f"{BASE_WEIGHTS_PATH}{weights_name}_notop.h5",
                                       hash_top, hash_notop)


def _variant(size):
    label = f"ConvNeXt{size.capitalize()}"
    weights_name = f"convnext_{size}"
    cfg = MODEL_CONFIGS[size]

    def model_fn(include_top=True, include_preprocessing=True, weights="imagenet",
                 input_tensor=None, input_shape=None, pooling=None, classes=1000,
                 classifier_activation="softmax", name=weights_name):
        return ConvNeXt(cfg["depths"], cfg["projection_dims"], drop_path_rate=0.0,
                        layer_scale_init_value=1e-6, default_size=cfg["default_size"],
                        name=name, include_preprocessing=include_preprocessing,
                        include_top=include_top, weights=weights, input_tensor=input_tensor,
                        input_shape=input_shape, pooling=pooling, classes=classes,
                        classifier_activation=classifier_activation, weights_name=weights_name)
    model_fn.__name__ = model_fn.__qualname__ = label
    model_fn.__doc__ = imagenet_utils.model_doc(
        label, "convnext", mode="none", size=cfg["default_size"], extra="""
        include_preprocessing: whether the model normalizes its [0, 255] inputs itself with
            ImageNet's mean and std. Keep `True` with ImageNet weights.""")
    return model_fn


ConvNeXtTiny = _variant("tiny")
ConvNeXtSmall = _variant("small")
ConvNeXtBase = _variant("base")
ConvNeXtLarge = _variant("large")
ConvNeXtXLarge = _variant("xlarge")


def preprocess_input(x, data_format=None):
    """Returns `x` unchanged: ConvNeXt models normalize their inputs themselves.

    Kept for Keras's API. The models take pixels in [0, 255].

    Args:
        x: a floating point NumPy array or tensor.
        data_format: ignored (`"channels_last"`, `"channels_first"` or `None`).

    Returns:
        `x`, unchanged.
    """
    return x


def decode_predictions(preds, top=5):
    return imagenet_utils.decode_predictions(preds, top=top)


decode_predictions.__doc__ = imagenet_utils.decode_predictions.__doc__
