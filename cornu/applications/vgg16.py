"""VGG16 (Simonyan & Zisserman, ICLR 2015), with Keras's layer names and weight files."""

from cornu import layers
from cornu.applications import imagenet_utils
from cornu.models import Model

WEIGHTS_PATH = ("https://storage.googleapis.com/tensorflow/keras-applications/"
                "vgg16/vgg16_weights_tf_dim_ordering_tf_kernels.h5")
WEIGHTS_PATH_NO_TOP = ("https://storage.googleapis.com/tensorflow/keras-applications/"
                       "vgg16/vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5")
WEIGHTS_HASH = "64373286793e3c8b2b4e3219cbf3544b"
WEIGHTS_HASH_NO_TOP = "6d6bbae143d832006294945121d1f1fc"

def vgg(convs_per_block, include_top, weights, input_tensor, input_shape, pooling, classes,
        classifier_activation, name, weight_files):
    """Builds a VGG network: 5 blocks of 3x3 convolutions, each followed by max pooling."""
    img_input, inputs, _ = imagenet_utils.prepare_input(
        weights, include_top, classes, input_tensor, input_shape,
        classifier_activation=classifier_activation)
    x = img_input
    for block, (filters, convs) in enumerate(zip((64, 128, 256, 512, 512), convs_per_block), 1):
        for i in range(1, convs + 1):
            x = layers.Conv2D(filters, (3, 3), activation="relu", padding="same",
                              name=f"block{block}_conv{i}")(x)
        x = layers.MaxPooling2D((2, 2), strides=(2, 2), name=f"block{block}_pool")(x)
    if include_top:
        x = layers.Flatten(name="flatten")(x)
        x = layers.Dense(4096, activation="relu", name="fc1")(x)
        x = layers.Dense(4096, activation="relu", name="fc2")(x)
        x = layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    else:
        x = imagenet_utils.pooling_head(x, pooling)
    model = Model(inputs, x, name=name)
    origin_top, origin_notop, hash_top, hash_notop = weight_files
    return imagenet_utils.load_weights(model, weights, include_top, origin_top, origin_notop,
                                       hash_top, hash_notop)


def VGG16(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
          pooling=None, classes=1000, classifier_activation="softmax", name="vgg16"):
    return vgg((2, 2, 3, 3, 3), include_top, weights, input_tensor, input_shape, pooling,
               classes, classifier_activation, name,
               (WEIGHTS_PATH, WEIGHTS_PATH_NO_TOP, WEIGHTS_HASH, WEIGHTS_HASH_NO_TOP))


VGG16.__doc__ = imagenet_utils.model_doc("VGG16", "vgg16", top="the 3 fully-connected layers")


preprocess_input, decode_predictions = imagenet_utils.family_functions(__name__, "caffe")
