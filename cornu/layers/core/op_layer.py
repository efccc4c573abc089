"""`OpLayer`: a `cornu.ops` function applied to symbolic tensors, as a graph node.

In saved configs an `OpLayer` is written as Keras writes the operation (`keras.src.ops.numpy`
/ `Add`, with its keyword arguments as the config), so either library loads the other's files.
"""

import re

from cornu.layers.layer import Layer
from cornu.ops.keras_op_options import KERAS_OP_OPTIONS
from cornu.ops.symbolic_dispatch import call_with_operands
from cornu.utils.naming import auto_name

# Keras's ops outside `keras.src.ops.numpy`, by module (ops of `cornu.ops.image` are named
# "image.<op>" and live in `keras.src.ops.image`).
_KERAS_OP_MODULES = {
    "nn": {"batch_normalization", "binary_crossentropy", "categorical_crossentropy", "celu",
           "depth_to_space", "dot_product_attention", "elu", "gelu", "glu", "hard_shrink",
           "hard_sigmoid", "hard_silu", "hard_tanh", "layer_normalization", "leaky_relu",
           "log_sigmoid", "log_softmax", "moments", "normalize", "one_hot", "relu", "relu6",
           "rms_normalization", "selu", "sigmoid", "silu", "soft_shrink", "softmax", "softplus",
           "softsign", "space_to_depth", "sparse_categorical_crossentropy", "sparse_plus",
           "sparse_sigmoid", "sparsemax", "squareplus", "tanh_shrink", "threshold", "ctc_loss",
           "ctc_decode", "conv", "depthwise_conv", "separable_conv", "conv_transpose",
           "max_pool", "average_pool", "adaptive_average_pool", "adaptive_max_pool",
           "multi_hot", "polar", "psnr", "unfold", "fold"},
    "core": {"cast", "convert_to_tensor", "scatter", "scatter_update", "slice", "slice_update",
             "stop_gradient", "unstack", "saturate_cast"},
    "math": {"erf", "erfc", "erfinv", "in_top_k", "logsumexp", "rsqrt", "top_k", "fft", "fft2",
             "ifft2", "rfft", "irfft", "stft", "istft", "segment_sum", "segment_max",
             "segment_min", "segment_prod", "cdist", "extract_sequences", "logdet",
             "view_as_complex", "view_as_real"},
    "linalg": {"cholesky", "cholesky_inverse", "det", "inv", "lstsq", "norm", "pinv", "solve",
               "solve_triangular", "matrix_rank"},
    "einops": {"rearrange"},
}
# Keras's class names that are not the op's name in CamelCase.
_KERAS_CLASS_NAMES = {
    "allclose": "AllClose", "isin": "IsIn", "searchsorted": "SearchSorted",
    "batch_normalization": "BatchNorm", "layer_normalization": "LayerNorm",
    "rms_normalization": "RMSNorm", "image.rgb_to_grayscale": "RGBToGrayscale",
    "image.rgb_to_hsv": "RGBToHSV", "image.hsv_to_rgb": "HSVToRGB",
    "ctc_loss": "CTCLoss", "ctc_decode": "CTCDecode", "fft": "FFT", "fft2": "FFT2",
    "ifft2": "IFFT2", "rfft": "RFFT", "irfft": "IRFFT", "stft": "STFT", "istft": "ISTFT",
    "cdist": "CDist", "psnr": "PSNR", "image.ssim": "SSIM",
}
_OP_OF_CLASS = {(op.startswith("image."), cls): op for op, cls in _KERAS_CLASS_NAMES.items()}
_IMAGE_MODULE = "keras.src.ops.image"


def keras_op_class(op_name):
    """Keras's class name for an op: `get_item` -> `GetItem`."""
    if op_name in _KERAS_CLASS_NAMES:
        return _KERAS_CLASS_NAMES[op_name]
    return "".join(part.capitalize() for part in op_name.split(".")[-1].split("_"))


def keras_op_module(op_name):
    """Keras's module of an op's class."""
    if op_name.startswith("image."):
        return _IMAGE_MODULE
    for module, names in _KERAS_OP_MODULES.items():
        if op_name in names:
            return f"keras.src.ops.{module}"
    return "keras.src.ops.numpy"


def resolve_op(op_name):
    """The `cornu.ops` function named `op_name` ("add", "image.resize", ...), or None."""
    from cornu import ops
    fn = ops
    for part in op_name.split("."):
        fn = getattr(fn, part, None)
        if fn is None:
            return None
    return fn


class OpLayer(Layer):
    """Wraps a `cornu.ops` function applied to symbolic tensors.

    Args:
        op_name: name of the function in `cornu.ops`.
        op_kwargs: the op's non-tensor keyword arguments.
    """

    def __init__(self, op_name, op_kwargs=None, **kwargs):
        if kwargs.get("name") is None:  # named as Keras names the operation: add, add_1, ...
            kwargs["name"] = auto_name(keras_op_class(op_name))
        super().__init__(**kwargs)
        self.op_name = op_name
        self.op_kwargs = dict(op_kwargs or {})
        self.built = True
        self._refresh_fast_path()

    def call(self, *args, **kwargs):
        fn = resolve_op(self.op_name).__wrapped__
        return call_with_operands(fn, KERAS_OP_OPTIONS.get(self.op_name, ()), args,
                                  {**kwargs, **self.op_kwargs})

    @property
    def operation_class_name(self):
        """Keras's class for this operation (`Add`), which `summary()` and `plot_model` show."""
        return keras_op_class(self.op_name)

    def get_config(self):
        config = super().get_config()
        config.update({"op_name": self.op_name, "op_kwargs": self.op_kwargs})
        return config

    def keras_serialization(self):
        """The operation as Keras serializes it (module, class name, keyword arguments)."""
        class_name = keras_op_class(self.op_name)
        return {"module": keras_op_module(self.op_name), "class_name": class_name,
                "config": {"name": self.name, **self.op_kwargs},
                "registered_name": class_name}

    @classmethod
    def from_keras_operation(cls, class_name, config, module=None):
        """Rebuilds the op Keras saved as `class_name` (of `module`) with `config`."""
        image = module == _IMAGE_MODULE
        op_name = _OP_OF_CLASS.get((image, class_name))
        if op_name is None:
            op_name = re.sub(r"(?<!^)(?=[A-Z])", "_", class_name).lower()
            op_name = f"image.{op_name}" if image else op_name
        fn = resolve_op(op_name)
        if fn is None or not hasattr(fn, "__wrapped__"):
            raise ValueError(f"Unknown operation '{class_name}': cornu.ops has no "
                             f"'{op_name}' that can run in a Functional model.")
        if not isinstance(config, dict):
            raise ValueError(f"Cannot deserialize operation '{class_name}': its config must be "
                             f"a dict. Received: {config!r}")
        kwargs = {k: v for k, v in config.items() if k != "name"}
        return cls(op_name, kwargs, name=config.get("name"))
