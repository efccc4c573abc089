"""DenseNet121/169/201 (Huang et al., CVPR 2017), with Keras's layer names and weight files."""

from cornu import layers
from cornu.applications import imagenet_utils
from cornu.backend import config
from cornu.models import Model

BASE_WEIGHTS_PATH = "https://storage.googleapis.com/tensorflow/keras-applications/densenet/"
# Keras's hashes of the files with and without the top, by blocks per dense stage.
WEIGHTS = {
    (6, 12, 24, 16): ("densenet121", "9d60b8095a5708f2dcce2bca79d332c7",
                      "30ee3e1110167f948a6b9946edeeb738"),
    (6, 12, 32, 32): ("densenet169", "d699b8f76981ab1b30698df4c175e90b",
                      "b8c4d4c20dd625c148057b9ff1c1176b"),
    (6, 12, 48, 32): ("densenet201", "1ceb130c1ea1b78c3bf6114dbdfd8807",
                      "c13680b51ded0fb44dff2d8f86ac8bb1"),
}
_EPSILON = 1.001e-5


def _bn(name):
    return layers.BatchNormalization(axis=imagenet_utils.channel_axis(), epsilon=_EPSILON,
                                     name=name)


def conv_block(x, growth_rate, name):
    """BN-ReLU-1x1 conv, BN-ReLU-3x3 conv, and the result concatenated to the input."""
    y = _bn(f"{name}_0_bn")(x)
    y = layers.Activation("relu", name=f"{name}_0_relu")(y)
    y = layers.Conv2D(4 * growth_rate, 1, use_bias=False, name=f"{name}_1_conv")(y)
    y = _bn(f"{name}_1_bn")(y)
    y = layers.Activation("relu", name=f"{name}_1_relu")(y)
    y = layers.Conv2D(growth_rate, 3, padding="same", use_bias=False, name=f"{name}_2_conv")(y)
    return layers.Concatenate(axis=imagenet_utils.channel_axis(), name=f"{name}_concat")([x, y])


def dense_block(x, blocks, name):
    for i in range(1, blocks + 1):
        x = conv_block(x, 32, name=f"{name}_block{i}")
    return x


def transition_block(x, reduction, name):
    """BN-ReLU, a 1x1 convolution keeping `reduction` of the channels, 2x2 average pooling."""
    x = _bn(f"{name}_bn")(x)
    x = layers.Activation("relu", name=f"{name}_relu")(x)
    channels = x.shape[imagenet_utils.channel_axis()]
    x = layers.Conv2D(int(channels * reduction), 1, use_bias=False, name=f"{name}_conv")(x)
    return layers.AveragePooling2D(2, strides=2, name=f"{name}_pool")(x)


def DenseNet(blocks, include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
             pooling=None, classes=1000, classifier_activation="softmax", name="densenet"):
    """Builds a DenseNet with `blocks` conv blocks in each of its four dense stages."""
    if config.image_data_format() == "channels_first":
        raise ValueError("DenseNet does not support the 'channels_first' image data format: "
                         "use keras.config.set_image_data_format('channels_last').")
    img_input, inputs, _ = imagenet_utils.prepare_input(
        weights, include_top, classes, input_tensor, input_shape,
        classifier_activation=classifier_activation)
    x = layers.ZeroPadding2D(padding=((3, 3), (3, 3)))(img_input)
    x = layers.Conv2D(64, 7, strides=2, use_bias=False, name="conv1_conv")(x)
    x = _bn("conv1_bn")(x)
    x = layers.Activation("relu", name="conv1_relu")(x)
    x = layers.ZeroPadding2D(padding=((1, 1), (1, 1)))(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool1")(x)
    for stage, count in enumerate(blocks, 2):
        x = dense_block(x, count, name=f"conv{stage}")
        if stage < 5:
            x = transition_block(x, 0.5, name=f"pool{stage}")
    x = _bn("bn")(x)
    x = layers.Activation("relu", name="relu")(x)
    x = imagenet_utils.classification_head(x, include_top, pooling, classes, classifier_activation,
                                           avg_pool_name="avg_pool", pooling_name="pool")
    model = Model(inputs, x, name=name)
    key, hash_top, hash_notop = WEIGHTS.get(tuple(blocks), (None, None, None))
    if weights == "imagenet" and key is None:
        raise ValueError(f"No ImageNet weights are published for DenseNet blocks {blocks}: "
                         "pass `weights=None` or the path of a weights file.")
    stem = f"{BASE_WEIGHTS_PATH}{key}_weights_tf_dim_ordering_tf_kernels"
    return imagenet_utils.load_weights(model, weights, include_top, f"{stem}.h5",
                                       f"{stem}_notop.h5", hash_top, hash_notop)


def DenseNet121(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
                pooling=None, classes=1000, classifier_activation="softmax", name="densenet121"):
    return DenseNet((6, 12, 24, 16), include_top, weights, input_tensor, input_shape, pooling,
                    classes, classifier_activation, name)


def DenseNet169(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
                pooling=None, classes=1000, classifier_activation="softmax", name="densenet169"):
    return DenseNet((6, 12, 32, 32), include_top, weights, input_tensor, input_shape, pooling,
                    classes, classifier_activation, name)


def DenseNet201(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
                pooling=None, classes=1000, classifier_activation="softmax", name="densenet201"):
    return DenseNet((6, 12, 48, 32), include_top, weights, input_tensor, input_shape, pooling,
                    classes, classifier_activation, name)


for _fn, _label in ((DenseNet121, "DenseNet121"), (DenseNet169, "DenseNet169"),
                    (DenseNet201, "DenseNet201")):
    _fn.__doc__ = imagenet_utils.model_doc(_label, "densenet", mode="torch")


preprocess_input, decode_predictions = imagenet_utils.family_functions(__name__, "torch")
