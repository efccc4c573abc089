"""`cornu.applications`: Keras's model zoo with Keras's layer names and weight files.

Each family lives in its own module (`cornu.applications.vgg16`, `...resnet`, ...), as in
Keras; the model functions and the family modules load on first use.
"""

import importlib

_MODELS = {
    "VGG16": "vgg16", "VGG19": "vgg19",
    "ResNet50": "resnet", "ResNet101": "resnet", "ResNet152": "resnet",
    "ResNet50V2": "resnet_v2", "ResNet101V2": "resnet_v2", "ResNet152V2": "resnet_v2",
    "MobileNet": "mobilenet", "MobileNetV2": "mobilenet_v2",
    "MobileNetV3Small": "mobilenet_v3", "MobileNetV3Large": "mobilenet_v3",
    "DenseNet121": "densenet", "DenseNet169": "densenet", "DenseNet201": "densenet",
    "InceptionV3": "inception_v3", "Xception": "xception",
    "InceptionResNetV2": "inception_resnet_v2", "NASNetMobile": "nasnet", "NASNetLarge": "nasnet",
    **{f"EfficientNetB{i}": "efficientnet" for i in range(8)},
    **{f"EfficientNetV2{v}": "efficientnet_v2" for v in ("B0", "B1", "B2", "B3", "S", "M", "L")},
    **{f"ConvNeXt{v}": "convnext" for v in ("Tiny", "Small", "Base", "Large", "XLarge")},
}
# Module names Keras exposes, and the cornu module that implements each.
_MODULES = {
    "vgg16": "vgg16", "vgg19": "vgg19", "resnet": "resnet", "resnet50": "resnet",
    "resnet_v2": "resnet_v2", "mobilenet": "mobilenet", "mobilenet_v2": "mobilenet_v2",
    "mobilenet_v3": "mobilenet_v3", "densenet": "densenet", "inception_v3": "inception_v3",
    "xception": "xception", "efficientnet": "efficientnet",
    "efficientnet_v2": "efficientnet_v2", "convnext": "convnext",
    "inception_resnet_v2": "inception_resnet_v2", "nasnet": "nasnet",
    "imagenet_utils": "imagenet_utils",
}


def __getattr__(name):
    if name in _MODELS:
        return getattr(importlib.import_module(f"cornu.applications.{_MODELS[name]}"), name)
    if name in _MODULES:
        return importlib.import_module(f"cornu.applications.{_MODULES[name]}")
    raise AttributeError(f"module 'cornu.applications' has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + list(_MODELS) + list(_MODULES))
