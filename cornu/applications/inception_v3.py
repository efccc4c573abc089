"""InceptionV3 (Szegedy et al., CVPR 2016), with Keras's layer names and weight files."""

from cornu import layers
from cornu.applications import imagenet_utils
from cornu.models import Model

WEIGHTS_PATH = ("https://storage.googleapis.com/tensorflow/keras-applications/inception_v3/"
                "inception_v3_weights_tf_dim_ordering_tf_kernels.h5")
WEIGHTS_PATH_NO_TOP = ("https://storage.googleapis.com/tensorflow/keras-applications/"
                       "inception_v3/inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5")
WEIGHTS_HASH = "9a0d58056eeedaa3f26cb7ebd46da564"
WEIGHTS_HASH_NO_TOP = "bcbd6486424b2319ff4ef7d526e38f63"


def conv2d_bn(x, filters, num_row, num_col, padding="same", strides=(1, 1), name=None):
    """Conv2D (no bias), BatchNormalization (no scale), ReLU: `name_conv`, `name_bn`, `name`."""
    x = layers.Conv2D(filters, (num_row, num_col), strides=strides, padding=padding,
                      use_bias=False, name=name and f"{name}_conv")(x)
    x = layers.BatchNormalization(axis=imagenet_utils.channel_axis(), scale=False,
                                  name=name and f"{name}_bn")(x)
    return layers.Activation("relu", name=name)(x)


def _tower(x, *convs):
    """A chain of `conv2d_bn`s, each `(filters, rows, cols)` or `(filters, rows, cols, strides)`
    (strided convolutions are 'valid')."""
    for filters, rows, cols, *strides in convs:
        if strides:
            x = conv2d_bn(x, filters, rows, cols, strides=strides[0], padding="valid")
        else:
            x = conv2d_bn(x, filters, rows, cols)
    return x


def _avg_pool_tower(x, filters):
    x = layers.AveragePooling2D((3, 3), strides=(1, 1), padding="same")(x)
    return conv2d_bn(x, filters, 1, 1)


def _concat(branches, name=None):
    return layers.Concatenate(axis=imagenet_utils.channel_axis(), name=name)(branches)


def InceptionV3(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
                pooling=None, classes=1000, classifier_activation="softmax",
                name="inception_v3"):
    img_input, inputs, _ = imagenet_utils.prepare_input(
        weights, include_top, classes, input_tensor, input_shape, default_size=299,
        min_size=75, classifier_activation=classifier_activation)
    x = conv2d_bn(img_input, 32, 3, 3, strides=(2, 2), padding="valid")
    x = conv2d_bn(x, 32, 3, 3, padding="valid")
    x = conv2d_bn(x, 64, 3, 3)
    x = layers.MaxPooling2D((3, 3), strides=(2, 2))(x)
    x = conv2d_bn(x, 80, 1, 1, padding="valid")
    x = conv2d_bn(x, 192, 3, 3, padding="valid")
    x = layers.MaxPooling2D((3, 3), strides=(2, 2))(x)

    # mixed0-2: 35x35 blocks.
    for i, pool_filters in enumerate((32, 64, 64)):
        x = _concat([_tower(x, (64, 1, 1)),
                     _tower(x, (48, 1, 1), (64, 5, 5)),
                     _tower(x, (64, 1, 1), (96, 3, 3), (96, 3, 3)),
                     _avg_pool_tower(x, pool_filters)], name=f"mixed{i}")
    # mixed3: reduction to 17x17.
    x = _concat([_tower(x, (384, 3, 3, (2, 2))),
                 _tower(x, (64, 1, 1), (96, 3, 3), (96, 3, 3, (2, 2))),
                 layers.MaxPooling2D((3, 3), strides=(2, 2))(x)], name="mixed3")
    # mixed4-7: 17x17 blocks with factorized 7x7 convolutions.
    for i, c in enumerate((128, 160, 160, 192), 4):
        x = _concat([_tower(x, (192, 1, 1)),
                     _tower(x, (c, 1, 1), (c, 1, 7), (192, 7, 1)),
                     _tower(x, (c, 1, 1), (c, 7, 1), (c, 1, 7), (c, 7, 1), (192, 1, 7)),
                     _avg_pool_tower(x, 192)], name=f"mixed{i}")
    # mixed8: reduction to 8x8.
    x = _concat([_tower(x, (192, 1, 1), (320, 3, 3, (2, 2))),
                 _tower(x, (192, 1, 1), (192, 1, 7), (192, 7, 1), (192, 3, 3, (2, 2))),
                 layers.MaxPooling2D((3, 3), strides=(2, 2))(x)], name="mixed8")
    # mixed9-10: 8x8 blocks with expanded filter banks.
    for i in range(2):
        branch1x1 = _tower(x, (320, 1, 1))
        branch3x3 = _tower(x, (384, 1, 1))
        branch3x3 = _concat([_tower(branch3x3, (384, 1, 3)), _tower(branch3x3, (384, 3, 1))],
                            name=f"mixed9_{i}")
        branch3x3dbl = _tower(x, (448, 1, 1), (384, 3, 3))
        branch3x3dbl = _concat([_tower(branch3x3dbl, (384, 1, 3)),
                                _tower(branch3x3dbl, (384, 3, 1))])
        x = _concat([branch1x1, branch3x3, branch3x3dbl, _avg_pool_tower(x, 192)],
                    name=f"mixed{9 + i}")

    x = imagenet_utils.classification_head(x, include_top, pooling, classes, classifier_activation,
                                           avg_pool_name="avg_pool")
    model = Model(inputs, x, name=name)
    return imagenet_utils.load_weights(model, weights, include_top, WEIGHTS_PATH,
                                       WEIGHTS_PATH_NO_TOP, WEIGHTS_HASH, WEIGHTS_HASH_NO_TOP)


InceptionV3.__doc__ = imagenet_utils.model_doc("InceptionV3", "inception_v3", mode="tf",
                                               size=299, min_size=75)


preprocess_input, decode_predictions = imagenet_utils.family_functions(__name__, "tf")
