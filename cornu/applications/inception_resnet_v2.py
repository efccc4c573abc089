"""Inception-ResNet v2 (Szegedy et al., AAAI 2017): Inception modules with scaled residual
connections, with Keras's layer names and weight files."""

from cornu import layers
from cornu.applications import imagenet_utils
from cornu.layers.layer import Layer
from cornu.models import Model

BASE_WEIGHT_URL = ("https://storage.googleapis.com/tensorflow/keras-applications/"
                   "inception_resnet_v2/")
WEIGHTS_FNAME = "inception_resnet_v2_weights_tf_dim_ordering_tf_kernels.h5"
WEIGHTS_FNAME_NO_TOP = "inception_resnet_v2_weights_tf_dim_ordering_tf_kernels_notop.h5"
WEIGHTS_HASH = "e693bd0210a403b3192acc6073ad2e96"
WEIGHTS_HASH_NO_TOP = "d19885ff4a710c122648d3b5c3b684e4"


class CustomScaleLayer(Layer):
    """Adds a residual branch scaled by a constant: `inputs[0] + scale * inputs[1]`.

    Args:
        scale: the (fixed) factor applied to the residual branch.
    """

    _keras_module = "keras.src.applications.inception_resnet_v2"

    def __init__(self, scale, **kwargs):
        super().__init__(**kwargs)
        self.scale = scale

    def call(self, inputs):
        shortcut, residual = inputs
        return shortcut + residual * self.scale

    def compute_output_shape(self, input_shape):
        return input_shape[0]

    def get_config(self):
        return {**super().get_config(), "scale": self.scale}


def conv2d_bn(x, filters, kernel_size, strides=1, padding="same", activation="relu",
              use_bias=False, name=None):
    """Conv2D `name`; without a bias, a BatchNormalization (no scale) `name_bn`; then the
    activation `name_ac` unless `activation` is None."""
    x = layers.Conv2D(filters, kernel_size, strides=strides, padding=padding,
                      use_bias=use_bias, name=name)(x)
    if not use_bias:
        x = layers.BatchNormalization(axis=imagenet_utils.channel_axis(), scale=False,
                                      name=name and f"{name}_bn")(x)
    if activation is not None:
        x = layers.Activation(activation, name=name and f"{name}_ac")(x)
    return x


def _chain(x, *convs):
    """`conv2d_bn`s in a row, each `(filters, kernel_size)` or `(filters, kernel_size, 2)`
    (a strided 'valid' convolution)."""
    for filters, kernel_size, *strides in convs:
        if strides:
            x = conv2d_bn(x, filters, kernel_size, strides=strides[0], padding="valid")
        else:
            x = conv2d_bn(x, filters, kernel_size)
    return x


# The residual branch of each block type: its towers of `conv2d_bn`s.
_BLOCK_TOWERS = {
    "block35": (((32, 1),), ((32, 1), (32, 3)), ((32, 1), (48, 3), (64, 3))),
    "block17": (((192, 1),), ((128, 1), (160, (1, 7)), (192, (7, 1)))),
    "block8": (((192, 1),), ((192, 1), (224, (1, 3)), (256, (3, 1)))),
}


def inception_resnet_block(x, scale, block_type, block_idx, activation="relu"):
    """One Inception-ResNet block: `x + scale * branch(x)`, then `activation`.

    Args:
        x: input tensor.
        scale: factor of the residual branch.
        block_type: `"block35"` (35x35 grid), `"block17"` (17x17) or `"block8"` (8x8).
        block_idx: the block's number; its layers are named `{block_type}_{block_idx}_...`.
        activation: activation at the end of the block (`None` for none).
    """
    if block_type not in _BLOCK_TOWERS:
        raise ValueError("Unknown Inception-ResNet block type: expected 'block35', 'block17' "
                         f"or 'block8'. Received: block_type={block_type!r}")
    axis = imagenet_utils.channel_axis()
    prefix = f"{block_type}_{block_idx}"
    towers = [_chain(x, *convs) for convs in _BLOCK_TOWERS[block_type]]
    mixed = layers.Concatenate(axis=axis, name=f"{prefix}_mixed")(towers)
    up = conv2d_bn(mixed, x.shape[axis], 1, activation=None, use_bias=True,
                   name=f"{prefix}_conv")
    x = CustomScaleLayer(scale)([x, up])
    if activation is not None:
        x = layers.Activation(activation, name=f"{prefix}_ac")(x)
    return x


def InceptionResNetV2(include_top=True, weights="imagenet", input_tensor=None,
                      input_shape=None, pooling=None, classes=1000,
                      classifier_activation="softmax", name="inception_resnet_v2"):
    img_input, inputs, _ = imagenet_utils.prepare_input(
        weights, include_top, classes, input_tensor, input_shape, default_size=299,
        min_size=75, classifier_activation=classifier_activation)
    axis = imagenet_utils.channel_axis()
    # Stem.
    x = _chain(img_input, (32, 3, 2))
    x = conv2d_bn(x, 32, 3, padding="valid")
    x = conv2d_bn(x, 64, 3)
    x = layers.MaxPooling2D(3, strides=2)(x)
    x = conv2d_bn(x, 80, 1, padding="valid")
    x = conv2d_bn(x, 192, 3, padding="valid")
    x = layers.MaxPooling2D(3, strides=2)(x)
    # mixed_5b: an Inception-A module, then ten 35x35 residual blocks.
    x = layers.Concatenate(axis=axis, name="mixed_5b")(
        [_chain(x, (96, 1)), _chain(x, (48, 1), (64, 5)),
         _chain(x, (64, 1), (96, 3), (96, 3)),
         _chain(layers.AveragePooling2D(3, strides=1, padding="same")(x), (64, 1))])
    for idx in range(1, 11):
        x = inception_resnet_block(x, 0.17, "block35", idx)
    # mixed_6a: reduction to 17x17, then twenty residual blocks.
    x = layers.Concatenate(axis=axis, name="mixed_6a")(
        [_chain(x, (384, 3, 2)), _chain(x, (256, 1), (256, 3), (384, 3, 2)),
         layers.MaxPooling2D(3, strides=2, padding="valid")(x)])
    for idx in range(1, 21):
        x = inception_resnet_block(x, 0.1, "block17", idx)
    # mixed_7a: reduction to 8x8, then ten residual blocks (the last without activation).
    x = layers.Concatenate(axis=axis, name="mixed_7a")(
        [_chain(x, (256, 1), (384, 3, 2)), _chain(x, (256, 1), (288, 3, 2)),
         _chain(x, (256, 1), (288, 3), (320, 3, 2)),
         layers.MaxPooling2D(3, strides=2, padding="valid")(x)])
    for idx in range(1, 10):
        x = inception_resnet_block(x, 0.2, "block8", idx)
    x = inception_resnet_block(x, 1.0, "block8", 10, activation=None)
    x = conv2d_bn(x, 1536, 1, name="conv_7b")

    x = imagenet_utils.classification_head(x, include_top, pooling, classes, classifier_activation,
                                           avg_pool_name="avg_pool")
    model = Model(inputs, x, name=name)
    return imagenet_utils.load_weights(
        model, weights, include_top, BASE_WEIGHT_URL + WEIGHTS_FNAME,
        BASE_WEIGHT_URL + WEIGHTS_FNAME_NO_TOP, WEIGHTS_HASH, WEIGHTS_HASH_NO_TOP)


InceptionResNetV2.__doc__ = imagenet_utils.model_doc(
    "Inception-ResNet v2", "inception_resnet_v2", mode="tf", size=299, min_size=75)


preprocess_input, decode_predictions = imagenet_utils.family_functions(__name__, "tf")
