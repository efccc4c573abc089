"""Xception (Chollet, CVPR 2017): depthwise separable convolutions with residual connections."""

from cornu import layers
from cornu.applications import imagenet_utils
from cornu.models import Model

WEIGHTS_PATH = ("https://storage.googleapis.com/tensorflow/keras-applications/xception/"
                "xception_weights_tf_dim_ordering_tf_kernels.h5")
WEIGHTS_PATH_NO_TOP = ("https://storage.googleapis.com/tensorflow/keras-applications/xception/"
                       "xception_weights_tf_dim_ordering_tf_kernels_notop.h5")
WEIGHTS_HASH = "0a58e3b7378bc2990ea3b43d5981f1f6"
WEIGHTS_HASH_NO_TOP = "b0042744bf5b25fce3cb969f33bebb97"


def _bn(name=None):
    return layers.BatchNormalization(axis=imagenet_utils.channel_axis(), name=name)


def _sepconv_bn(x, filters, name):
    """`name` (a 3x3 separable convolution) and `name_bn`."""
    x = layers.SeparableConv2D(filters, (3, 3), padding="same", use_bias=False, name=name)(x)
    return _bn(f"{name}_bn")(x)


def _downsampling_block(x, block, filters1, filters2, first_relu=True):
    """Two separable convolutions and a strided max pooling, plus a strided 1x1 shortcut."""
    residual = layers.Conv2D(filters2, (1, 1), strides=(2, 2), padding="same",
                             use_bias=False)(x)
    residual = _bn()(residual)
    prefix = f"block{block}"
    if first_relu:
        x = layers.Activation("relu", name=f"{prefix}_sepconv1_act")(x)
    x = _sepconv_bn(x, filters1, f"{prefix}_sepconv1")
    x = layers.Activation("relu", name=f"{prefix}_sepconv2_act")(x)
    x = _sepconv_bn(x, filters2, f"{prefix}_sepconv2")
    x = layers.MaxPooling2D((3, 3), strides=(2, 2), padding="same", name=f"{prefix}_pool")(x)
    return layers.Add()([x, residual])


def Xception(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
             pooling=None, classes=1000, classifier_activation="softmax", name="xception"):
    img_input, inputs, _ = imagenet_utils.prepare_input(
        weights, include_top, classes, input_tensor, input_shape, default_size=299,
        min_size=71, classifier_activation=classifier_activation)
    # Entry flow.
    x = layers.Conv2D(32, (3, 3), strides=(2, 2), use_bias=False, name="block1_conv1")(img_input)
    x = _bn("block1_conv1_bn")(x)
    x = layers.Activation("relu", name="block1_conv1_act")(x)
    x = layers.Conv2D(64, (3, 3), use_bias=False, name="block1_conv2")(x)
    x = _bn("block1_conv2_bn")(x)
    x = layers.Activation("relu", name="block1_conv2_act")(x)
    x = _downsampling_block(x, 2, 128, 128, first_relu=False)
    x = _downsampling_block(x, 3, 256, 256)
    x = _downsampling_block(x, 4, 728, 728)
    # Middle flow: eight residual blocks of three separable convolutions.
    for block in range(5, 13):
        residual = x
        for i in range(1, 4):
            x = layers.Activation("relu", name=f"block{block}_sepconv{i}_act")(x)
            x = _sepconv_bn(x, 728, f"block{block}_sepconv{i}")
        x = layers.Add()([x, residual])
    # Exit flow.
    x = _downsampling_block(x, 13, 728, 1024)
    for i, filters in ((1, 1536), (2, 2048)):
        x = _sepconv_bn(x, filters, f"block14_sepconv{i}")
        x = layers.Activation("relu", name=f"block14_sepconv{i}_act")(x)

    x = imagenet_utils.classification_head(x, include_top, pooling, classes, classifier_activation,
                                           avg_pool_name="avg_pool")
    model = Model(inputs, x, name=name)
    return imagenet_utils.load_weights(model, weights, include_top, WEIGHTS_PATH,
                                       WEIGHTS_PATH_NO_TOP, WEIGHTS_HASH, WEIGHTS_HASH_NO_TOP)


Xception.__doc__ = imagenet_utils.model_doc("Xception", "xception", mode="tf", size=299,
                                            min_size=71)


preprocess_input, decode_predictions = imagenet_utils.family_functions(__name__, "tf")
