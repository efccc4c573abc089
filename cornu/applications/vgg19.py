"""VGG19 (Simonyan & Zisserman, ICLR 2015), with Keras's layer names and weight files."""

from cornu.applications import imagenet_utils
from cornu.applications.vgg16 import vgg

WEIGHTS_PATH = ("https://storage.googleapis.com/tensorflow/keras-applications/"
                "vgg19/vgg19_weights_tf_dim_ordering_tf_kernels.h5")
WEIGHTS_PATH_NO_TOP = ("https://storage.googleapis.com/tensorflow/keras-applications/"
                       "vgg19/vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5")
WEIGHTS_HASH = "cbe5617147190e668d6c5d5026f83318"
WEIGHTS_HASH_NO_TOP = "253f8cb515780f3b799900260a226db6"


def VGG19(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
          pooling=None, classes=1000, classifier_activation="softmax", name="vgg19"):
    return vgg((2, 2, 4, 4, 4), include_top, weights, input_tensor, input_shape, pooling,
               classes, classifier_activation, name,
               (WEIGHTS_PATH, WEIGHTS_PATH_NO_TOP, WEIGHTS_HASH, WEIGHTS_HASH_NO_TOP))


VGG19.__doc__ = imagenet_utils.model_doc("VGG19", "vgg19", top="the 3 fully-connected layers")


preprocess_input, decode_predictions = imagenet_utils.family_functions(__name__, "caffe")
