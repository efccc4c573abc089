"""EfficientNetB0-B7 (Tan & Le, ICML 2019), with Keras's layer names and weight files.

The models take pixels in [0, 255]: their first layers rescale and normalize them, so
`preprocess_input` does nothing (kept for Keras's API).
"""

import copy
import math

from cornu import layers
from cornu.applications import imagenet_utils
from cornu.models import Model

BASE_WEIGHTS_PATH = "https://storage.googleapis.com/keras-applications/"
# Keras's md5 hashes of the files with and without the top.
WEIGHTS_HASHES = {
    "b0": ("902e53a9f72be733fc0bcb005b3ebbac", "50bc09e76180e00e4465e1a485ddc09d"),
    "b1": ("1d254153d4ab51201f1646940f018540", "74c4e6b3e1f6a1eea24c589628592432"),
    "b2": ("b15cce36ff4dcbd00b6dd88e7857a6ad", "111f8e2ac8aa800a7a99e3239f7bfb39"),
    "b3": ("ffd1fdc53d0ce67064dc6a9c7960ede0", "af6d107764bb5b1abb91932881670226"),
    "b4": ("18c95ad55216b8f92d7e70b3a046e2fc", "ebc24e6d6c33eaebbd558eafbeedf1ba"),
    "b5": ("ace28f2a6363774853a83a0b21b9421a", "38879255a25d3c92d5e44e04ae6cec6f"),
    "b6": ("165f6e37dce68623721b423839de8be5", "9ecce42647a20130c1f39a5d4cb75743"),
    "b7": ("8c03f828fec3ef71311cd463b6759d99", "cbcfe4450ddf6f3ad90b1b398090fe4a"),
}


def _stage(kernel_size, repeats, filters_in, filters_out, expand_ratio, strides):
    return {"kernel_size": kernel_size, "repeats": repeats, "filters_in": filters_in,
            "filters_out": filters_out, "expand_ratio": expand_ratio, "id_skip": True,
            "strides": strides, "se_ratio": 0.25}


# The seven stages of EfficientNetB0; the other sizes scale their widths and depths.
DEFAULT_BLOCKS_ARGS = [
    _stage(3, 1, 32, 16, 1, 1), _stage(3, 2, 16, 24, 6, 2), _stage(5, 2, 24, 40, 6, 2),
    _stage(3, 3, 40, 80, 6, 2), _stage(5, 3, 80, 112, 6, 1), _stage(5, 4, 112, 192, 6, 2),
    _stage(3, 1, 192, 320, 6, 1),
]
CONV_KERNEL_INITIALIZER = {"class_name": "VarianceScaling", "config": {
    "scale": 2.0, "mode": "fan_out", "distribution": "truncated_normal"}}
DENSE_KERNEL_INITIALIZER = {"class_name": "VarianceScaling", "config": {
    "scale": 1.0 / 3.0, "mode": "fan_out", "distribution": "uniform"}}
IMAGENET_STDDEV_RGB = [0.229, 0.224, 0.225]


def _bn(name, momentum=0.99):
    return layers.BatchNormalization(axis=imagenet_utils.channel_axis(), momentum=momentum,
                                     name=name)


def conv_bn(x, filters, kernel_size, name, strides=1, activation=None, bn_momentum=0.99):
    """`{name}_conv` (no bias, 'same'), `{name}_bn`, then `{name}_activation` if `activation`."""
    x = layers.Conv2D(filters, kernel_size, strides=strides, padding="same", use_bias=False,
                      kernel_initializer=CONV_KERNEL_INITIALIZER, name=f"{name}_conv")(x)
    x = _bn(f"{name}_bn", bn_momentum)(x)
    if activation is not None:
        x = layers.Activation(activation, name=f"{name}_activation")(x)
    return x


def squeeze_excite(x, filters_in, filters, se_ratio, activation, name):
    """Squeeze-and-excitation: channel weights from globally pooled features (`{name}se_*`)."""
    if not 0 < se_ratio <= 1:
        return x
    se = layers.GlobalAveragePooling2D(name=f"{name}se_squeeze")(x)
    shape = (filters, 1, 1) if imagenet_utils.channel_axis() == 1 else (1, 1, filters)
    se = layers.Reshape(shape, name=f"{name}se_reshape")(se)
    se = layers.Conv2D(max(1, int(filters_in * se_ratio)), 1, padding="same",
                       activation=activation, kernel_initializer=CONV_KERNEL_INITIALIZER,
                       name=f"{name}se_reduce")(se)
    se = layers.Conv2D(filters, 1, padding="same", activation="sigmoid",
                       kernel_initializer=CONV_KERNEL_INITIALIZER, name=f"{name}se_expand")(se)
    return layers.Multiply(name=f"{name}se_excite")([x, se])


def shortcut(x, inputs, drop_rate, name):
    """The residual connection, after per-sample dropout (`{name}drop`) when `drop_rate`."""
    if drop_rate > 0:
        x = layers.Dropout(drop_rate, noise_shape=(None, 1, 1, 1), name=f"{name}drop")(x)
    return layers.Add(name=f"{name}add")([x, inputs])


def block(inputs, activation="swish", drop_rate=0.0, name="", filters_in=32, filters_out=16,
          kernel_size=3, strides=1, expand_ratio=1, se_ratio=0.0, id_skip=True,
          bn_momentum=0.99, depthwise_name="dwconv", pad_strided=True):
    """The mobile inverted bottleneck: 1x1 expansion, depthwise convolution, squeeze and
    excitation, 1x1 projection, residual.

    `bn_momentum`, `depthwise_name` and `pad_strided` (explicit zero padding before a strided
    depthwise convolution, else 'same') are what EfficientNetV2's MBConv block changes.
    """
    filters = filters_in * expand_ratio
    x = inputs
    if expand_ratio != 1:
        x = conv_bn(x, filters, 1, f"{name}expand", activation=activation,
                    bn_momentum=bn_momentum)
    padding = "same"
    if strides == 2 and pad_strided:
        x = layers.ZeroPadding2D(padding=imagenet_utils.correct_pad(x, kernel_size),
                                 name=f"{name}dwconv_pad")(x)
        padding = "valid"
    x = layers.DepthwiseConv2D(kernel_size, strides=strides, padding=padding, use_bias=False,
                               depthwise_initializer=CONV_KERNEL_INITIALIZER,
                               name=f"{name}{depthwise_name}")(x)
    x = _bn(f"{name}bn", bn_momentum)(x)
    x = layers.Activation(activation, name=f"{name}activation")(x)
    x = squeeze_excite(x, filters_in, filters, se_ratio, activation, name)
    x = conv_bn(x, filters_out, 1, f"{name}project", bn_momentum=bn_momentum)
    if id_skip and strides == 1 and filters_in == filters_out:
        x = shortcut(x, inputs, drop_rate, name)
    return x


def head(x, include_top, pooling, classes, classifier_activation, dropout_rate):
    """Global pooling, dropout and the classifier, or the feature head."""
    if not include_top:
        return imagenet_utils.pooling_head(x, pooling, name="pool")
    x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
    if dropout_rate > 0:
        x = layers.Dropout(dropout_rate, name="top_dropout")(x)
    return layers.Dense(classes, activation=classifier_activation,
                        kernel_initializer=DENSE_KERNEL_INITIALIZER, name="predictions")(x)


def EfficientNet(width_coefficient, depth_coefficient, default_size, dropout_rate=0.2,
                 drop_connect_rate=0.2, depth_divisor=8, activation="swish",
                 blocks_args="default", name="efficientnet", include_top=True,
                 weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
                 classes=1000, classifier_activation="softmax", weights_name=None):
    """Builds an EfficientNet scaled by `width_coefficient` and `depth_coefficient`.

    `weights_name` ("b0" ... "b7") picks Keras's weight file for `weights="imagenet"`.
    """
    if blocks_args == "default":
        blocks_args = DEFAULT_BLOCKS_ARGS
    if weights == "imagenet" and weights_name not in WEIGHTS_HASHES:
        raise ValueError("ImageNet weights exist for EfficientNetB0-B7 only: pass "
                         f"`weights_name` as one of {sorted(WEIGHTS_HASHES)}. "
                         f"Received: weights_name={weights_name!r}")
    img_input, inputs, _ = imagenet_utils.prepare_input(
        weights, include_top, classes, input_tensor, input_shape, default_size,
        classifier_activation=classifier_activation)
    axis = imagenet_utils.channel_axis()

    def round_filters(filters):
        return int(imagenet_utils.make_divisible(filters * width_coefficient, depth_divisor))

    def round_repeats(repeats):
        return int(math.ceil(depth_coefficient * repeats))

    x = layers.Rescaling(1.0 / 255.0)(img_input)
    x = layers.Normalization(axis=axis)(x)
    if weights == "imagenet":
        # Keras's weight files hold the standard deviations where the variances belong.
        x = layers.Rescaling([1.0 / math.sqrt(s) for s in IMAGENET_STDDEV_RGB])(x)
    x = layers.ZeroPadding2D(padding=imagenet_utils.correct_pad(x, 3), name="stem_conv_pad")(x)
    x = layers.Conv2D(round_filters(32), 3, strides=2, padding="valid", use_bias=False,
                      kernel_initializer=CONV_KERNEL_INITIALIZER, name="stem_conv")(x)
    x = _bn("stem_bn")(x)
    x = layers.Activation(activation, name="stem_activation")(x)

    blocks_args = copy.deepcopy(blocks_args)
    total = float(sum(round_repeats(args["repeats"]) for args in blocks_args))
    b = 0
    for i, args in enumerate(blocks_args):
        if args["repeats"] <= 0:
            raise ValueError("The number of repeats in `EfficientNet` must be > 0. "
                             f"Received: repeats={args['repeats']}")
        args["filters_in"] = round_filters(args["filters_in"])
        args["filters_out"] = round_filters(args["filters_out"])
        for j in range(round_repeats(args.pop("repeats"))):
            if j > 0:
                args["strides"] = 1
                args["filters_in"] = args["filters_out"]
            x = block(x, activation, drop_connect_rate * b / total,
                      name=f"block{i + 1}{chr(j + 97)}_", **args)
            b += 1

    x = conv_bn(x, round_filters(1280), 1, "top", activation=activation)
    x = head(x, include_top, pooling, classes, classifier_activation, dropout_rate)
    model = Model(inputs, x, name=name)
    # Keras names the file after the model's name; the variant's name works for any name.
    file_name = f"efficientnet{weights_name}"
    hash_top, hash_notop = WEIGHTS_HASHES.get(weights_name, (None, None))
    return imagenet_utils.load_weights(model, weights, include_top,
                                       f"{BASE_WEIGHTS_PATH}{file_name}.h5",
                                       f"{BASE_WEIGHTS_PATH}{file_name}_notop.h5",
                                       hash_top, hash_notop)


def _variant(label, width, depth, size, dropout):
    def model_fn(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
                 pooling=None, classes=1000, classifier_activation="softmax",
                 name=f"efficientnet{label}"):
        return EfficientNet(width, depth, size, dropout, name=name, include_top=include_top,
                            weights=weights, input_tensor=input_tensor,
                            input_shape=input_shape, pooling=pooling, classes=classes,
                            classifier_activation=classifier_activation, weights_name=label)
    model_fn.__name__ = model_fn.__qualname__ = f"EfficientNet{label.upper()}"
    model_fn.__doc__ = imagenet_utils.model_doc(model_fn.__name__, "efficientnet", mode="none",
                                                size=size)
    return model_fn


EfficientNetB0 = _variant("b0", 1.0, 1.0, 224, 0.2)
EfficientNetB1 = _variant("b1", 1.0, 1.1, 240, 0.2)
EfficientNetB2 = _variant("b2", 1.1, 1.2, 260, 0.3)
EfficientNetB3 = _variant("b3", 1.2, 1.4, 300, 0.3)
EfficientNetB4 = _variant("b4", 1.4, 1.8, 380, 0.4)
EfficientNetB5 = _variant("b5", 1.6, 2.2, 456, 0.4)
EfficientNetB6 = _variant("b6", 1.8, 2.6, 528, 0.5)
EfficientNetB7 = _variant("b7", 2.0, 3.1, 600, 0.5)


def preprocess_input(x, data_format=None):
    """Returns `x` unchanged: EfficientNet models preprocess their inputs themselves.

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
