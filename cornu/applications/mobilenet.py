"""MobileNet (Howard et al., 2017): depthwise separable convolutions, width `alpha`."""

from cornu import layers
from cornu.applications import imagenet_utils
from cornu.models import Model

BASE_WEIGHT_PATH = "https://storage.googleapis.com/tensorflow/keras-applications/mobilenet/"
_ALPHAS = {1.0: "1_0", 0.75: "7_5", 0.5: "5_0", 0.25: "2_5"}
_SIZES = (128, 160, 192, 224)
# (pointwise filters, stride) of the 13 depthwise separable blocks.
_BLOCKS = ((64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2), (512, 1), (512, 1),
           (512, 1), (512, 1), (512, 1), (1024, 2), (1024, 1))


def MobileNet(input_shape=None, alpha=1.0, depth_multiplier=1, dropout=1e-3, include_top=True,
              weights="imagenet", input_tensor=None, pooling=None, classes=1000,
              classifier_activation="softmax", name=None):
    default_size = imagenet_utils.square_default_size(input_shape, None, _SIZES)
    img_input, inputs, input_shape = imagenet_utils.prepare_input(
        weights, include_top, classes, input_tensor, input_shape, default_size,
        classifier_activation=classifier_activation)
    rows, cols = imagenet_utils.spatial_size(input_shape)
    if weights == "imagenet":
        if depth_multiplier != 1:
            raise ValueError("If imagenet weights are being loaded, `depth_multiplier` must be "
                             f"1. Received: depth_multiplier={depth_multiplier}")
        if alpha not in _ALPHAS:
            raise ValueError("If imagenet weights are being loaded, `alpha` must be one of "
                             f"0.25, 0.50, 0.75 or 1.0. Received: alpha={alpha}")
        rows = imagenet_utils.weights_input_size(rows, cols, _SIZES)

    axis = imagenet_utils.channel_axis()
    x = layers.Conv2D(int(32 * alpha), (3, 3), padding="same", use_bias=False, strides=(2, 2),
                      name="conv1")(img_input)
    x = layers.BatchNormalization(axis=axis, name="conv1_bn")(x)
    x = layers.ReLU(6.0, name="conv1_relu")(x)
    for block_id, (filters, stride) in enumerate(_BLOCKS, 1):
        x = _depthwise_conv_block(x, int(filters * alpha), depth_multiplier, stride, block_id)
    if include_top:
        x = layers.GlobalAveragePooling2D(keepdims=True)(x)
        x = layers.Dropout(dropout, name="dropout")(x)
        x = layers.Conv2D(classes, (1, 1), padding="same", name="conv_preds")(x)
        x = layers.Reshape((classes,), name="reshape_2")(x)
        x = layers.Activation(activation=classifier_activation, name="predictions")(x)
    else:
        x = imagenet_utils.pooling_head(x, pooling)
    model = Model(inputs, x, name=name or f"mobilenet_{alpha:0.2f}_{rows}")
    file_name = f"mobilenet_{_ALPHAS.get(alpha)}_{rows}_tf"
    # Keras publishes no hashes for these files.
    return imagenet_utils.load_weights(model, weights, include_top,
                                       origin_top=f"{BASE_WEIGHT_PATH}{file_name}.h5",
                                       origin_notop=f"{BASE_WEIGHT_PATH}{file_name}_no_top.h5")


MobileNet.__doc__ = imagenet_utils.model_doc(
    "MobileNet", "mobilenet", mode="tf", top="the classifier at the top",
    extra="""
        alpha: width multiplier of every layer (0.25, 0.5, 0.75 or 1.0 have ImageNet
            weights).
        depth_multiplier: depth multiplier of the depthwise convolutions (1 with weights).
        dropout: dropout rate before the classifier.""")


def _depthwise_conv_block(x, filters, depth_multiplier, stride, block_id):
    """3x3 depthwise conv, BN, ReLU6, then 1x1 pointwise conv, BN, ReLU6."""
    axis = imagenet_utils.channel_axis()
    if stride != 1:
        x = layers.ZeroPadding2D(((0, 1), (0, 1)), name=f"conv_pad_{block_id}")(x)
    x = layers.DepthwiseConv2D((3, 3), padding="same" if stride == 1 else "valid",
                               depth_multiplier=depth_multiplier, strides=(stride, stride),
                               use_bias=False, name=f"conv_dw_{block_id}")(x)
    x = layers.BatchNormalization(axis=axis, name=f"conv_dw_{block_id}_bn")(x)
    x = layers.ReLU(6.0, name=f"conv_dw_{block_id}_relu")(x)
    x = layers.Conv2D(filters, (1, 1), padding="same", use_bias=False, strides=(1, 1),
                      name=f"conv_pw_{block_id}")(x)
    x = layers.BatchNormalization(axis=axis, name=f"conv_pw_{block_id}_bn")(x)
    return layers.ReLU(6.0, name=f"conv_pw_{block_id}_relu")(x)


preprocess_input, decode_predictions = imagenet_utils.family_functions(__name__, "tf")
