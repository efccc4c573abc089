"""EfficientNetV2 B0-B3, S, M, L (Tan & Le, ICML 2021), with Keras's layer names and weight files.

The models take pixels in [0, 255] and preprocess them themselves (`include_preprocessing`),
so `preprocess_input` does nothing (kept for Keras's API). The blocks are EfficientNet's
(`cornu.applications.efficientnet`) plus the fused MBConv block of the early stages.
"""

import copy
import math

from cornu import layers
from cornu.applications import efficientnet, imagenet_utils
from cornu.models import Model

BASE_WEIGHTS_PATH = ("https://storage.googleapis.com/tensorflow/keras-applications/"
                     "efficientnet_v2/")
# Keras's md5 hashes of the files with and without the top, by `weights_name`.
WEIGHTS_HASHES = {
    "b0": ("21ecbf6da12460d5c40bb2f29ceb2188", "893217f2bb855e2983157299931e43ff"),
    "b1": ("069f0534ff22adf035c89e2d9547a9dc", "0e80663031ca32d657f9caa404b6ec37"),
    "b2": ("424e49f28180edbde1e94797771950a7", "1dfe2e7a5d45b6632553a8961ea609eb"),
    "b3": ("1f1fc43bd98a6e4fd8fdfd551e02c7a0", "f6abf7b5849ac99a89b50dd3fd532856"),
    "-s": ("e1d88a8495beba45748fedd0cecbe016", "af0682fb74e8c54910f2d4393339c070"),
    "-m": ("a3bf6aa3276309f4fc6a34aa114c95cd", "1b8dc055df72dde80d614482840fe342"),
    "-l": ("27e6d408b53c7ebc868fefa357689935", "b0b66b5c863aef5b46e8608fe1711615"),
}
CONV_KERNEL_INITIALIZER = efficientnet.CONV_KERNEL_INITIALIZER
DENSE_KERNEL_INITIALIZER = efficientnet.DENSE_KERNEL_INITIALIZER


def _stages(*rows):
    """Stage arguments from rows `(conv_type, kernel_size, num_repeat, input_filters,
    output_filters, expand_ratio, se_ratio, strides)`; conv_type 1 is the fused block."""
    keys = ("conv_type", "kernel_size", "num_repeat", "input_filters", "output_filters",
            "expand_ratio", "se_ratio", "strides")
    return [dict(zip(keys, row)) for row in rows]


_B_STAGES = _stages((1, 3, 1, 32, 16, 1, 0, 1), (1, 3, 2, 16, 32, 4, 0, 2),
                    (1, 3, 2, 32, 48, 4, 0, 2), (0, 3, 3, 48, 96, 4, 0.25, 2),
                    (0, 3, 5, 96, 112, 6, 0.25, 1), (0, 3, 8, 112, 192, 6, 0.25, 2))
DEFAULT_BLOCKS_ARGS = {
    "efficientnetv2-s": _stages(
        (1, 3, 2, 24, 24, 1, 0, 1), (1, 3, 4, 24, 48, 4, 0, 2), (1, 3, 4, 48, 64, 4, 0, 2),
        (0, 3, 6, 64, 128, 4, 0.25, 2), (0, 3, 9, 128, 160, 6, 0.25, 1),
        (0, 3, 15, 160, 256, 6, 0.25, 2)),
    "efficientnetv2-m": _stages(
        (1, 3, 3, 24, 24, 1, 0, 1), (1, 3, 5, 24, 48, 4, 0, 2), (1, 3, 5, 48, 80, 4, 0, 2),
        (0, 3, 7, 80, 160, 4, 0.25, 2), (0, 3, 14, 160, 176, 6, 0.25, 1),
        (0, 3, 18, 176, 304, 6, 0.25, 2), (0, 3, 5, 304, 512, 6, 0.25, 1)),
    "efficientnetv2-l": _stages(
        (1, 3, 4, 32, 32, 1, 0, 1), (1, 3, 7, 32, 64, 4, 0, 2), (1, 3, 7, 64, 96, 4, 0, 2),
        (0, 3, 10, 96, 192, 4, 0.25, 2), (0, 3, 19, 192, 224, 6, 0.25, 1),
        (0, 3, 25, 224, 384, 6, 0.25, 2), (0, 3, 7, 384, 640, 6, 0.25, 1)),
    **{f"efficientnetv2-b{i}": _B_STAGES for i in range(4)},
}


def round_filters(filters, width_coefficient, min_depth, depth_divisor):
    """Scales a filter count by `width_coefficient`, rounded to a multiple of `depth_divisor`."""
    filters *= width_coefficient
    rounded = int(filters + depth_divisor / 2) // depth_divisor * depth_divisor
    return int(max(min_depth or depth_divisor, rounded))


def round_repeats(repeats, depth_coefficient):
    return int(math.ceil(depth_coefficient * repeats))


def MBConvBlock(input_filters, output_filters, expand_ratio=1, kernel_size=3, strides=1,
                se_ratio=0.0, bn_momentum=0.9, activation="swish", survival_probability=0.8,
                name=""):
    """EfficientNet's inverted bottleneck with a 'same'-padded depthwise conv (`dwconv2`).

    `survival_probability` is, as in Keras, the residual branch's dropout rate.
    """
    def apply(inputs):
        return efficientnet.block(
            inputs, activation, survival_probability, name, input_filters, output_filters,
            kernel_size, strides, expand_ratio, se_ratio, bn_momentum=bn_momentum,
            depthwise_name="dwconv2", pad_strided=False)
    return apply


def FusedMBConvBlock(input_filters, output_filters, expand_ratio=1, kernel_size=3, strides=1,
                     se_ratio=0.0, bn_momentum=0.9, activation="swish",
                     survival_probability=0.8, name=""):
    """A full (not depthwise) `kernel_size` expansion conv, then a 1x1 projection; with no
    expansion, a single `kernel_size` conv (`project_conv`) with its activation."""
    def apply(inputs):
        x = inputs
        filters = input_filters * expand_ratio
        if expand_ratio != 1:
            x = efficientnet.conv_bn(x, filters, kernel_size, f"{name}expand", strides=strides,
                                     activation=activation, bn_momentum=bn_momentum)
        x = efficientnet.squeeze_excite(x, input_filters, filters, se_ratio, activation, name)
        fused = expand_ratio == 1
        x = efficientnet.conv_bn(x, output_filters, kernel_size if fused else 1,
                                 f"{name}project", strides=strides if fused else 1,
                                 activation=activation if fused else None,
                                 bn_momentum=bn_momentum)
        if strides == 1 and input_filters == output_filters:
            x = efficientnet.shortcut(x, inputs, survival_probability, name)
        return x
    return apply


def EfficientNetV2(width_coefficient, depth_coefficient, default_size, dropout_rate=0.2,
                   drop_connect_rate=0.2, depth_divisor=8, min_depth=8, bn_momentum=0.9,
                   activation="swish", blocks_args="default", name="efficientnetv2",
                   include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
                   pooling=None, classes=1000, classifier_activation="softmax",
                   include_preprocessing=True, weights_name=None):
    """Builds an EfficientNetV2. `weights_name` ("b0" ... "b3", "-s", "-m", "-l") names the
    variant: its default `blocks_args`, its preprocessing and Keras's weight file."""
    variant = f"efficientnetv2-{weights_name.lstrip('-')}" if weights_name else name
    if blocks_args == "default":
        if variant not in DEFAULT_BLOCKS_ARGS:
            raise ValueError("`blocks_args='default'` needs a known variant: pass "
                             f"`weights_name` as one of {list(WEIGHTS_HASHES)}. "
                             f"Received: weights_name={weights_name!r}, name={name!r}")
        blocks_args = DEFAULT_BLOCKS_ARGS[variant]
    if weights == "imagenet" and weights_name not in WEIGHTS_HASHES:
        raise ValueError(f"ImageNet weights exist for the variants {list(WEIGHTS_HASHES)}. "
                         f"Received: weights_name={weights_name!r}")
    img_input, inputs, input_shape = imagenet_utils.prepare_input(
        weights, include_top, classes, input_tensor, input_shape, default_size,
        classifier_activation=classifier_activation)
    axis = imagenet_utils.channel_axis()

    x = img_input
    if include_preprocessing:
        if variant.split("-")[-1].startswith("b") and input_shape[axis - 1] == 3:
            x = layers.Rescaling(scale=1.0 / 255)(x)
            x = layers.Normalization(mean=[0.485, 0.456, 0.406],
                                     variance=[0.229 ** 2, 0.224 ** 2, 0.225 ** 2],
                                     axis=axis)(x)
        else:
            x = layers.Rescaling(scale=1.0 / 128.0, offset=-1)(x)

    def filters(count):
        return round_filters(count, width_coefficient, min_depth, depth_divisor)

    x = efficientnet.conv_bn(x, filters(blocks_args[0]["input_filters"]), 3, "stem", strides=2,
                             activation=activation, bn_momentum=bn_momentum)
    blocks_args = copy.deepcopy(blocks_args)
    total = float(sum(args["num_repeat"] for args in blocks_args))
    b = 0
    for i, args in enumerate(blocks_args):
        if args["num_repeat"] <= 0:
            raise ValueError("The number of repeats in `EfficientNetV2` must be > 0. "
                             f"Received: num_repeat={args['num_repeat']}")
        args["input_filters"] = filters(args["input_filters"])
        args["output_filters"] = filters(args["output_filters"])
        make_block = FusedMBConvBlock if args.pop("conv_type") else MBConvBlock
        for j in range(round_repeats(args.pop("num_repeat"), depth_coefficient)):
            if j > 0:
                args["strides"] = 1
                args["input_filters"] = args["output_filters"]
            x = make_block(activation=activation, bn_momentum=bn_momentum,
                           survival_probability=drop_connect_rate * b / total,
                           name=f"block{i + 1}{chr(j + 97)}_", **args)(x)
            b += 1

    x = efficientnet.conv_bn(x, filters(1280), 1, "top", activation=activation,
                             bn_momentum=bn_momentum)
    x = efficientnet.head(x, include_top, pooling, classes, classifier_activation, dropout_rate)
    model = Model(inputs, x, name=name)
    # Keras names the file after the model's name; the variant's name works for any name.
    stem = f"{BASE_WEIGHTS_PATH}{variant}"
    hash_top, hash_notop = WEIGHTS_HASHES.get(weights_name, (None, None))
    return imagenet_utils.load_weights(model, weights, include_top, f"{stem}.h5",
                                       f"{stem}_notop.h5", hash_top, hash_notop)


def _variant(label, width, depth, size):
    weights_name = label if label.startswith("b") else f"-{label}"

    def model_fn(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
                 pooling=None, classes=1000, classifier_activation="softmax",
                 include_preprocessing=True, name=f"efficientnetv2-{label}"):
        return EfficientNetV2(width, depth, size, name=name, include_top=include_top,
                              weights=weights, input_tensor=input_tensor,
                              input_shape=input_shape, pooling=pooling, classes=classes,
                              classifier_activation=classifier_activation,
                              include_preprocessing=include_preprocessing,
                              weights_name=weights_name)
    model_fn.__name__ = model_fn.__qualname__ = f"EfficientNetV2{label.upper()}"
    model_fn.__doc__ = imagenet_utils.model_doc(
        model_fn.__name__, "efficientnet_v2", mode="none", size=size, extra="""
        include_preprocessing: whether the model rescales (and, for B0-B3, normalizes) its
            [0, 255] inputs itself. Keep `True` with ImageNet weights.""")
    return model_fn


EfficientNetV2B0 = _variant("b0", 1.0, 1.0, 224)
EfficientNetV2B1 = _variant("b1", 1.0, 1.1, 240)
EfficientNetV2B2 = _variant("b2", 1.1, 1.2, 260)
EfficientNetV2B3 = _variant("b3", 1.2, 1.4, 300)
EfficientNetV2S = _variant("s", 1.0, 1.0, 384)
EfficientNetV2M = _variant("m", 1.0, 1.0, 480)
EfficientNetV2L = _variant("l", 1.0, 1.0, 480)

preprocess_input = efficientnet.preprocess_input
decode_predictions = efficientnet.decode_predictions
