"""MobileNetV2 (Sandler et al., CVPR 2018): inverted residual blocks, width `alpha`."""

from cornu import layers
from cornu.applications import imagenet_utils
from cornu.models import Model

BASE_WEIGHT_PATH = "https://storage.googleapis.com/tensorflow/keras-applications/mobilenet_v2/"
_ALPHAS = (0.35, 0.5, 0.75, 1.0, 1.3, 1.4)
_SIZES = (96, 128, 160, 192, 224)
# (filters, stride, expansion) of the 17 inverted residual blocks.
_BLOCKS = ((16, 1, 1), (24, 2, 6), (24, 1, 6), (32, 2, 6), (32, 1, 6), (32, 1, 6), (64, 2, 6),
           (64, 1, 6), (64, 1, 6), (64, 1, 6), (96, 1, 6), (96, 1, 6), (96, 1, 6),
           (160, 2, 6), (160, 1, 6), (160, 1, 6), (320, 1, 6))


def _bn(name):
    return layers.BatchNormalization(axis=imagenet_utils.channel_axis(), epsilon=1e-3,
                                     momentum=0.999, name=name)


def MobileNetV2(input_shape=None, alpha=1.0, include_top=True, weights="imagenet",
                input_tensor=None, pooling=None, classes=1000, classifier_activation="softmax",
                name=None):
    imagenet_utils.check_input_tensor_shape(input_tensor, input_shape)
    default_size = imagenet_utils.square_default_size(input_shape, input_tensor, _SIZES)
    img_input, inputs, input_shape = imagenet_utils.prepare_input(
        weights, include_top, classes, input_tensor, input_shape, default_size,
        classifier_activation=classifier_activation)
    rows, cols = imagenet_utils.spatial_size(input_shape)
    if weights == "imagenet":
        if alpha not in _ALPHAS:
            raise ValueError("If imagenet weights are being loaded, `alpha` must be one of "
                             f"0.35, 0.50, 0.75, 1.0, 1.3 or 1.4. Received: alpha={alpha}")
        rows = imagenet_utils.weights_input_size(rows, cols, _SIZES)

    x = layers.Conv2D(imagenet_utils.make_divisible(32 * alpha, 8), kernel_size=3,
                      strides=(2, 2), padding="same", use_bias=False, name="Conv1")(img_input)
    x = _bn("bn_Conv1")(x)
    x = layers.ReLU(6.0, name="Conv1_relu")(x)
    for block_id, (filters, stride, expansion) in enumerate(_BLOCKS):
        x = _inverted_res_block(x, expansion, stride, alpha, filters, block_id)
    last_filters = imagenet_utils.make_divisible(1280 * alpha, 8) if alpha > 1.0 else 1280
    x = layers.Conv2D(last_filters, kernel_size=1, use_bias=False, name="Conv_1")(x)
    x = _bn("Conv_1_bn")(x)
    x = layers.ReLU(6.0, name="out_relu")(x)
    x = imagenet_utils.classification_head(x, include_top, pooling, classes, classifier_activation)
    model = Model(inputs, x, name=name or f"mobilenetv2_{alpha:0.2f}_{rows}")
    file_name = f"mobilenet_v2_weights_tf_dim_ordering_tf_kernels_{float(alpha)}_{rows}"
    # Keras publishes no hashes for these files.
    return imagenet_utils.load_weights(model, weights, include_top,
                                       origin_top=f"{BASE_WEIGHT_PATH}{file_name}.h5",
                                       origin_notop=f"{BASE_WEIGHT_PATH}{file_name}_no_top.h5")


MobileNetV2.__doc__ = imagenet_utils.model_doc(
    "MobileNetV2", "mobilenet_v2", mode="tf", extra="""
        alpha: width multiplier of every layer (0.35, 0.5, 0.75, 1.0, 1.3 or 1.4 have
            ImageNet weights).""")


def _inverted_res_block(inputs, expansion, stride, alpha, filters, block_id):
    """1x1 expansion (not in block 0), 3x3 depthwise, 1x1 projection; residual if shapes allow."""
    in_channels = inputs.shape[imagenet_utils.channel_axis()]
    pointwise_filters = imagenet_utils.make_divisible(int(filters * alpha), 8)
    x = inputs
    if block_id:
        prefix = f"block_{block_id}_"
        x = layers.Conv2D(expansion * in_channels, kernel_size=1, padding="same",
                          use_bias=False, activation=None, name=f"{prefix}expand")(x)
        x = _bn(f"{prefix}expand_BN")(x)
        x = layers.ReLU(6.0, name=f"{prefix}expand_relu")(x)
    else:
        prefix = "expanded_conv_"
    if stride == 2:
        x = layers.ZeroPadding2D(padding=imagenet_utils.correct_pad(x, 3),
                                 name=f"{prefix}pad")(x)
    x = layers.DepthwiseConv2D(kernel_size=3, strides=stride, activation=None, use_bias=False,
                               padding="same" if stride == 1 else "valid",
                               name=f"{prefix}depthwise")(x)
    x = _bn(f"{prefix}depthwise_BN")(x)
    x = layers.ReLU(6.0, name=f"{prefix}depthwise_relu")(x)
    x = layers.Conv2D(pointwise_filters, kernel_size=1, padding="same", use_bias=False,
                      activation=None, name=f"{prefix}project")(x)
    x = _bn(f"{prefix}project_BN")(x)
    if in_channels == pointwise_filters and stride == 1:
        return layers.Add(name=f"{prefix}add")([inputs, x])
    return x


preprocess_input, decode_predictions = imagenet_utils.family_functions(__name__, "tf")
