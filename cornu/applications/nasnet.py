"""NASNet-A Mobile and Large (Zoph et al., CVPR 2018): cells found by architecture search,
with Keras's layer names and weight files. Channels-last only, as in Keras."""

from cornu import layers
from cornu.applications import imagenet_utils
from cornu.backend import config
from cornu.models import Model

BASE_WEIGHTS_PATH = "https://storage.googleapis.com/tensorflow/keras-applications/nasnet/"
NASNET_MOBILE_WEIGHT_PATH = f"{BASE_WEIGHTS_PATH}NASNet-mobile.h5"
NASNET_MOBILE_WEIGHT_PATH_NO_TOP = f"{BASE_WEIGHTS_PATH}NASNet-mobile-no-top.h5"
NASNET_LARGE_WEIGHT_PATH = f"{BASE_WEIGHTS_PATH}NASNet-large.h5"
NASNET_LARGE_WEIGHT_PATH_NO_TOP = f"{BASE_WEIGHTS_PATH}NASNet-large-no-top.h5"
# default size -> (origin, cache name, hash) of the files with and without the top.
_WEIGHT_FILES = {
    224: ((NASNET_MOBILE_WEIGHT_PATH, "nasnet_mobile.h5", "020fb642bf7360b370c678b08e0adf61"),
          (NASNET_MOBILE_WEIGHT_PATH_NO_TOP, "nasnet_mobile_no_top.h5",
           "1ed92395b5b598bdda52abe5c0dbfd63")),
    331: ((NASNET_LARGE_WEIGHT_PATH, "nasnet_large.h5", "11577c9a518f0070763c2b964a382f17"),
          (NASNET_LARGE_WEIGHT_PATH_NO_TOP, "nasnet_large_no_top.h5",
           "d81d89dc07e6e56530c4e77faddd61b5")),
}


def _bn(name):
    return layers.BatchNormalization(axis=-1, momentum=0.9997, epsilon=1e-3, name=name)


def _conv_bn(x, filters, conv_name, bn_name, relu_name=None):
    """ReLU, 1x1 convolution (no bias, He-normal init) and BatchNormalization."""
    x = layers.Activation("relu", name=relu_name)(x)
    x = layers.Conv2D(filters, (1, 1), padding="same", use_bias=False, name=conv_name,
                      kernel_initializer="he_normal")(x)
    return _bn(bn_name)(x)


def _separable_conv_block(x, filters, kernel_size=(3, 3), strides=(1, 1), block_id=None):
    """Two (ReLU, separable convolution, BatchNormalization) units; the first one strided
    (explicitly padded, then 'valid') when `strides` is (2, 2)."""
    x = layers.Activation("relu")(x)
    padding = "same"
    if tuple(strides) == (2, 2):
        x = layers.ZeroPadding2D(imagenet_utils.correct_pad(x, kernel_size),
                                 name=f"separable_conv_1_pad_{block_id}")(x)
        padding = "valid"
    x = layers.SeparableConv2D(filters, kernel_size, strides=strides, padding=padding,
                               use_bias=False, name=f"separable_conv_1_{block_id}")(x)
    x = _bn(f"separable_conv_1_bn_{block_id}")(x)
    x = layers.Activation("relu")(x)
    x = layers.SeparableConv2D(filters, kernel_size, padding="same", use_bias=False,
                               name=f"separable_conv_2_{block_id}")(x)
    return _bn(f"separable_conv_2_bn_{block_id}")(x)


def _adjust_block(p, ip, filters, block_id=None):
    """Brings the previous cell's output `p` to the grid size and width of `ip`."""
    if p is None:
        return ip
    if p.shape[-2] != ip.shape[-2]:
        # Halve the grid with two offset 1x1 paths, each giving half the filters.
        p = layers.Activation("relu", name=f"adjust_relu_1_{block_id}")(p)
        p1 = layers.AveragePooling2D((1, 1), strides=(2, 2), padding="valid",
                                     name=f"adjust_avg_pool_1_{block_id}")(p)
        p1 = layers.Conv2D(filters // 2, (1, 1), padding="same", use_bias=False,
                           name=f"adjust_conv_1_{block_id}", kernel_initializer="he_normal")(p1)
        p2 = layers.ZeroPadding2D(padding=((0, 1), (0, 1)))(p)
        p2 = layers.Cropping2D(cropping=((1, 0), (1, 0)))(p2)
        p2 = layers.AveragePooling2D((1, 1), strides=(2, 2), padding="valid",
                                     name=f"adjust_avg_pool_2_{block_id}")(p2)
        p2 = layers.Conv2D(filters // 2, (1, 1), padding="same", use_bias=False,
                           name=f"adjust_conv_2_{block_id}", kernel_initializer="he_normal")(p2)
        p = layers.concatenate([p1, p2], axis=-1)
        return _bn(f"adjust_bn_{block_id}")(p)
    if p.shape[-1] != filters:
        return _conv_bn(p, filters, f"adjust_conv_projection_{block_id}",
                        f"adjust_bn_{block_id}")
    return p


def _avg_pool_3x3(x, name):
    return layers.AveragePooling2D((3, 3), strides=(1, 1), padding="same", name=name)(x)


def _normal_a_cell(ip, p, filters, block_id=None):
    """A NASNet-A normal cell; returns `(output, ip)` (the next cell's previous input)."""
    p = _adjust_block(p, ip, filters, block_id)
    h = _conv_bn(ip, filters, f"normal_conv_1_{block_id}", f"normal_bn_1_{block_id}")
    tag = f"_{block_id}"
    x1 = layers.add([_separable_conv_block(h, filters, (5, 5), block_id="normal_left1" + tag),
                     _separable_conv_block(p, filters, block_id="normal_right1" + tag)],
                    name="normal_add_1" + tag)
    x2 = layers.add([_separable_conv_block(p, filters, (5, 5), block_id="normal_left2" + tag),
                     _separable_conv_block(p, filters, (3, 3), block_id="normal_right2" + tag)],
                    name="normal_add_2" + tag)
    x3 = layers.add([_avg_pool_3x3(h, "normal_left3" + tag), p], name="normal_add_3" + tag)
    x4 = layers.add([_avg_pool_3x3(p, "normal_left4" + tag),
                     _avg_pool_3x3(p, "normal_right4" + tag)], name="normal_add_4" + tag)
    x5 = layers.add([_separable_conv_block(h, filters, block_id="normal_left5" + tag), h],
                    name="normal_add_5" + tag)
    x = layers.concatenate([p, x1, x2, x3, x4, x5], axis=-1, name="normal_concat" + tag)
    return x, ip


def _reduction_a_cell(ip, p, filters, block_id=None):
    """A NASNet-A reduction cell (halves the grid); returns `(output, ip)`."""
    p = _adjust_block(p, ip, filters, block_id)
    h = _conv_bn(ip, filters, f"reduction_conv_1_{block_id}", f"reduction_bn_1_{block_id}")
    h3 = layers.ZeroPadding2D(imagenet_utils.correct_pad(h, 3),
                              name=f"reduction_pad_1_{block_id}")(h)
    tag = f"_{block_id}"

    def sep(x, kernel_size, side, strides=(2, 2)):
        return _separable_conv_block(x, filters, kernel_size, strides=strides,
                                     block_id=f"reduction_{side}{tag}")

    def pool(kind, name):
        return kind((3, 3), strides=(2, 2), padding="valid", name=name + tag)(h3)

    x1 = layers.add([sep(h, (5, 5), "left1"), sep(p, (7, 7), "right1")],
                    name="reduction_add_1" + tag)
    x2 = layers.add([pool(layers.MaxPooling2D, "reduction_left2"), sep(p, (7, 7), "right2")],
                    name="reduction_add_2" + tag)
    x3 = layers.add([pool(layers.AveragePooling2D, "reduction_left3"),
                     sep(p, (5, 5), "right3")], name="reduction_add3" + tag)
    x4 = layers.add([x2, _avg_pool_3x3(x1, "reduction_left4" + tag)])
    x5 = layers.add([sep(x1, (3, 3), "left4", strides=(1, 1)),
                     pool(layers.MaxPooling2D, "reduction_right5")],
                    name="reduction_add4" + tag)
    x = layers.concatenate([x2, x3, x4, x5], axis=-1, name="reduction_concat" + tag)
    return x, ip


def NASNet(input_shape=None, penultimate_filters=4032, num_blocks=6, stem_block_filters=96,
           skip_reduction=True, filter_multiplier=2, include_top=True, weights="imagenet",
           input_tensor=None, pooling=None, classes=1000, default_size=None,
           classifier_activation="softmax", name="NASNet"):
    """A NASNet-A model of any size (`NASNetMobile` and `NASNetLarge` are two of them).

    Args:
        penultimate_filters: width of the last cells (a multiple of
            `24 * filter_multiplier ** 2`).
        num_blocks: normal cells between two reductions.
        stem_block_filters: filters of the stem convolution.
        skip_reduction: whether the cells after a reduction take the cell before it as their
            previous input (NASNetLarge), or the reduction's input (NASNetMobile).
        filter_multiplier: width factor at each reduction.
        default_size: default input side; ImageNet weights exist for 224 and 331 only.
        The other arguments are those of `NASNetMobile` / `NASNetLarge`.
    """
    if config.image_data_format() == "channels_first":
        raise ValueError("NASNet does not support the 'channels_first' image data format; "
                         "set `image_data_format` to 'channels_last'.")
    imagenet = isinstance(weights, str) and weights == "imagenet"
    if imagenet and isinstance(input_shape, tuple) and None in input_shape:
        raise ValueError("NASNet with ImageNet weights needs a static `input_shape` (no None "
                         f"entries). Received: input_shape={input_shape}")
    default_size = 331 if default_size is None else default_size
    if imagenet and default_size not in _WEIGHT_FILES:
        raise ValueError("ImageNet weights exist only for NASNetLarge and NASNetMobile.")
    if penultimate_filters % (24 * filter_multiplier ** 2) != 0:
        raise ValueError("For NASNet-A models, `penultimate_filters` must be a multiple of "
                         f"24 * filter_multiplier ** 2. Received: {penultimate_filters}")
    img_input, inputs, _ = imagenet_utils.prepare_input(
        weights, include_top, classes, input_tensor, input_shape, default_size=default_size,
        min_size=32, classifier_activation=classifier_activation)
    filters = penultimate_filters // 24

    x = layers.Conv2D(stem_block_filters, (3, 3), strides=(2, 2), padding="valid",
                      use_bias=False, name="stem_conv1", kernel_initializer="he_normal")(img_input)
    x = _bn("stem_bn1")(x)
    p = None
    x, p = _reduction_a_cell(x, p, filters // filter_multiplier ** 2, block_id="stem_1")
    x, p = _reduction_a_cell(x, p, filters // filter_multiplier, block_id="stem_2")
    for stage in range(3):
        width = filters * filter_multiplier ** stage
        if stage:
            x, p0 = _reduction_a_cell(x, p, width, block_id=f"reduce_{stage * num_blocks}")
            p = p if skip_reduction else p0
        first = stage * num_blocks + bool(stage)  # normal cells 0.., then numbered on
        for i in range(num_blocks):
            x, p = _normal_a_cell(x, p, width, block_id=f"{first + i}")
    x = layers.Activation("relu")(x)

    x = imagenet_utils.classification_head(x, include_top, pooling, classes, classifier_activation)
    model = Model(inputs, x, name=name)
    if imagenet:
        (top, top_name, top_hash), (notop, notop_name, notop_hash) = _WEIGHT_FILES[default_size]
        return imagenet_utils.load_weights(model, weights, include_top, top, notop, top_hash,
                                           notop_hash, top_name, notop_name)
    return imagenet_utils.load_weights(model, weights)


def NASNetMobile(input_shape=None, include_top=True, weights="imagenet", input_tensor=None,
                 pooling=None, classes=1000, classifier_activation="softmax",
                 name="nasnet_mobile"):
    if not include_top and input_shape is None:
        input_shape = (224, 224, 3)
    return NASNet(input_shape, penultimate_filters=1056, num_blocks=4, stem_block_filters=32,
                  skip_reduction=False, filter_multiplier=2, include_top=include_top,
                  weights=weights, input_tensor=input_tensor, pooling=pooling, classes=classes,
                  default_size=224, classifier_activation=classifier_activation, name=name)


def NASNetLarge(input_shape=None, include_top=True, weights="imagenet", input_tensor=None,
                pooling=None, classes=1000, classifier_activation="softmax",
                name="nasnet_large"):
    return NASNet(input_shape, penultimate_filters=4032, num_blocks=6, stem_block_filters=96,
                  skip_reduction=True, filter_multiplier=2, include_top=include_top,
                  weights=weights, input_tensor=input_tensor, pooling=pooling, classes=classes,
                  default_size=331, classifier_activation=classifier_activation, name=name)


_CHANNELS_LAST = " Channels-last only (a 'channels_first' data format raises a ValueError)."
NASNetMobile.__doc__ = imagenet_utils.model_doc(
    "NASNet-A Mobile", "nasnet", mode="tf", size=224, min_size=32,
    extra=" Defaults to (224, 224, 3) also without the top." + _CHANNELS_LAST)
NASNetLarge.__doc__ = imagenet_utils.model_doc(
    "NASNet-A Large", "nasnet", mode="tf", size=331, min_size=32, extra=_CHANNELS_LAST)


preprocess_input, decode_predictions = imagenet_utils.family_functions(__name__, "tf")
