"""ImageNet helpers shared by the applications: preprocessing, decoding, input shapes, weights.

`preprocess_input` and `decode_predictions` are Keras's public functions. The rest is the
plumbing every model function uses, so that each family module only describes its layers:
argument checks with Keras's rules (`validate_weights`, `obtain_input_shape`,
`validate_activation`), the model input (`model_input`, `source_inputs`), the pooling head
(`pooling_head`), `correct_pad`, and `load_weights` (Keras's weight files fetched with
`get_file` into `~/.cornu/models`, or a local path, read by `model.load_weights`).
"""

import json
import os
import warnings

import numpy as np
import torch

from cornu import activations
from cornu.backend import config
from cornu.backend.keras_tensor import is_keras_tensor
from cornu.utils import file_utils

CLASS_INDEX = None
CLASS_INDEX_PATH = ("https://storage.googleapis.com/download.tensorflow.org/"
                    "data/imagenet_class_index.json")
CLASS_INDEX_HASH = "c2c37ea517e94d9795004a39431a14cb"

_MEANS = {"caffe": (103.939, 116.779, 123.68), "torch": (0.485, 0.456, 0.406)}
_STDS = {"torch": (0.229, 0.224, 0.225)}

PREPROCESS_INPUT_DOC = """Preprocesses a NumPy array or tensor encoding a batch of images.

    Args:
        x: a floating point NumPy array, a torch tensor or a symbolic tensor, 3D or 4D with
            3 color channels, values in [0, 255]. A floating NumPy array is overwritten in
            place, as in Keras (pass `np.copy(x)` to keep it); tensors are not modified.
        data_format: `"channels_last"`, `"channels_first"` or `None` (the global
            `cornu.config.image_data_format()`).{mode}

    Returns:
        The preprocessed array or tensor (integer inputs become `float32`).{ret}
    """

PREPROCESS_INPUT_MODE_DOC = """
        mode: `"caffe"` (RGB to BGR, then each channel zero-centered on ImageNet's mean,
            without scaling), `"tf"` (scaled to [-1, 1]) or `"torch"` (scaled to [0, 1], then
            each channel normalized with ImageNet's mean and std). Defaults to `"caffe"`."""
PREPROCESS_INPUT_RET_DOC_CAFFE = """
        The images are converted from RGB to BGR, then each channel is zero-centered with
        respect to the ImageNet data set, without scaling."""
PREPROCESS_INPUT_RET_DOC_TF = """
        The pixel values are scaled between -1 and 1, sample-wise."""
PREPROCESS_INPUT_RET_DOC_TORCH = """
        The pixel values are scaled between 0 and 1, then each channel is normalized with
        respect to the ImageNet data set."""


def _check_data_format(data_format):
    if data_format is None:
        return config.image_data_format()
    if data_format not in ("channels_first", "channels_last"):
        raise ValueError("Expected `data_format` to be 'channels_first' or 'channels_last'. "
                         f"Received: data_format={data_format!r}")
    return data_format


def preprocess_input(x, data_format=None, mode="caffe"):
    if mode not in ("caffe", "tf", "torch"):
        raise ValueError("Expected `mode` to be one of 'caffe', 'tf' or 'torch'. "
                         f"Received: mode={mode!r}")
    data_format = _check_data_format(data_format)
    if isinstance(x, np.ndarray):
        return _preprocess_numpy(x, data_format, mode)
    return _preprocess_tensor(x, data_format, mode)


preprocess_input.__doc__ = PREPROCESS_INPUT_DOC.format(mode=PREPROCESS_INPUT_MODE_DOC, ret="")


def _channel_shape(ndim, data_format):
    """Shape that broadcasts a per-channel constant against an image (batch) of `ndim` dims."""
    if data_format == "channels_last":
        return (3,)
    return (3, 1, 1) if ndim == 3 else (1, 3) + (1,) * (ndim - 2)


def _channel_axis(ndim, data_format):
    if data_format == "channels_last":
        return ndim - 1
    return 0 if ndim == 3 else 1


def _preprocess_numpy(x, data_format, mode):
    if not np.issubdtype(x.dtype, np.floating):
        x = x.astype(config.floatx(), copy=False)
    if mode == "tf":
        x /= 127.5
        x -= 1.0
        return x
    if mode == "torch":
        x /= 255.0
    else:  # caffe: RGB -> BGR (a reversed view, so the input is still written in place)
        index = [slice(None)] * x.ndim
        index[_channel_axis(x.ndim, data_format)] = slice(None, None, -1)
        x = x[tuple(index)]
    shape = _channel_shape(x.ndim, data_format)
    x -= np.reshape(np.asarray(_MEANS[mode], x.dtype), shape)
    if mode in _STDS:
        x /= np.reshape(np.asarray(_STDS[mode], x.dtype), shape)
    # A contiguous result (not the reversed view), so that `torch.from_numpy` takes it.
    return np.ascontiguousarray(x)


def _preprocess_tensor(x, data_format, mode):
    if is_keras_tensor(x):
        from cornu import ops
        flip = ops.flip

        def constant(values):
            return np.asarray(values, "float32")
    else:
        x = torch.as_tensor(x)
        if not x.is_floating_point():
            x = x.to(getattr(torch, config.floatx()))
        flip = torch.flip

        def constant(values):
            return torch.tensor(values, dtype=x.dtype, device=x.device)
    if mode == "tf":
        return x / 127.5 - 1.0
    ndim = len(x.shape)
    if mode == "torch":
        x = x / 255.0
    else:
        axis = _channel_axis(ndim, data_format)
        x = flip(x, axis) if is_keras_tensor(x) else flip(x, (axis,))
    shape = _channel_shape(ndim, data_format)
    x = x - constant(np.reshape(_MEANS[mode], shape))
    if mode in _STDS:
        x = x / constant(np.reshape(_STDS[mode], shape))
    return x


def decode_predictions(preds, top=5):
    """Decodes the predictions of an ImageNet model.

    The class index (`imagenet_class_index.json`) is downloaded once into
    `~/.cornu/models` (or `$CORNU_HOME/models`); offline, copy it there.

    Args:
        preds: NumPy array or tensor of shape `(samples, 1000)`.
        top: how many top guesses to return per sample. Defaults to 5.

    Returns:
        One list per sample of `(class_name, class_description, score)` tuples, best first.
    """
    global CLASS_INDEX
    preds = preds.detach().cpu().numpy() if isinstance(preds, torch.Tensor) else np.asarray(preds)
    if preds.ndim != 2 or preds.shape[1] != 1000:
        raise ValueError("`decode_predictions` expects a batch of predictions, i.e. a 2D array "
                         f"of shape (samples, 1000). Received array with shape: {preds.shape}")
    if CLASS_INDEX is None:
        path = file_utils.get_file("imagenet_class_index.json", CLASS_INDEX_PATH,
                                   cache_subdir="models", file_hash=CLASS_INDEX_HASH)
        with open(path) as f:
            CLASS_INDEX = json.load(f)
    results = []
    for pred in preds:
        best = pred.argsort()[-top:][::-1] if top > 0 else []
        result = [tuple(CLASS_INDEX[str(i)]) + (pred[i],) for i in best]
        result.sort(key=lambda item: item[2], reverse=True)
        results.append(result)
    return results


_PREPROCESS_INPUT_RET_DOCS = {"caffe": PREPROCESS_INPUT_RET_DOC_CAFFE,
                              "tf": PREPROCESS_INPUT_RET_DOC_TF,
                              "torch": PREPROCESS_INPUT_RET_DOC_TORCH}


def family_functions(module_name, mode):
    """The `preprocess_input` and `decode_predictions` of the application module
    `module_name`, whose models take inputs preprocessed in `mode` ("caffe", "tf" or "torch").

    They are that module's own functions (their `__module__` is `module_name`), so a saved
    reference to them names the family, as Keras's do.
    """
    def family_preprocess_input(x, data_format=None):
        return preprocess_input(x, data_format=data_format, mode=mode)

    def family_decode_predictions(preds, top=5):
        return decode_predictions(preds, top=top)

    family_preprocess_input.__doc__ = PREPROCESS_INPUT_DOC.format(
        mode="", ret=_PREPROCESS_INPUT_RET_DOCS[mode])
    family_decode_predictions.__doc__ = decode_predictions.__doc__
    for fn, name in ((family_preprocess_input, "preprocess_input"),
                     (family_decode_predictions, "decode_predictions")):
        fn.__module__, fn.__name__, fn.__qualname__ = module_name, name, name
    return family_preprocess_input, family_decode_predictions


# --- argument checks -------------------------------------------------------------------------

def validate_weights(weights, include_top, classes, classifier_activation="softmax"):
    """Checks `weights`, `classes` and `classifier_activation` as Keras's model functions do.

    `weights` must be `None`, `"imagenet"` or the path of an existing file; with
    `weights="imagenet"` and `include_top=True`, `classes` must be 1000; with pretrained
    weights and the top, the classifier's activation must be `None` or `"softmax"`.
    """
    is_path = isinstance(weights, (str, os.PathLike)) and os.path.exists(weights)
    if not (weights is None or (isinstance(weights, str) and weights == "imagenet") or is_path):
        raise ValueError("The `weights` argument should be either `None` (random "
                         "initialization), 'imagenet' (pre-training on ImageNet), or the path "
                         f"to an existing weights file. Received: weights={weights!r}")
    if isinstance(weights, str) and weights == "imagenet" and include_top and classes != 1000:
        raise ValueError("If using `weights='imagenet'` with `include_top=True`, `classes` "
                         f"should be 1000. Received: classes={classes!r}")
    if include_top:
        validate_activation(classifier_activation, weights)


def validate_activation(classifier_activation, weights):
    """With pretrained weights, only `None` and `"softmax"` classifier activations are allowed."""
    if weights is None:
        return
    if activations.get(classifier_activation) not in (activations.get("softmax"),
                                                      activations.get(None)):
        raise ValueError("Only `None` and 'softmax' activations are allowed for the "
                         "`classifier_activation` argument when using pretrained weights with "
                         f"`include_top=True`. Received: "
                         f"classifier_activation={classifier_activation!r}")


def obtain_input_shape(input_shape, default_size, min_size, data_format, require_flatten,
                       weights=None):
    """Computes or validates a model's input shape, as Keras does.

    Args:
        input_shape: `None` (the default shape) or a user-provided shape to validate.
        default_size: default height / width of the model's input.
        min_size: smallest height / width the model accepts.
        data_format: `"channels_last"` or `"channels_first"`.
        require_flatten: whether the model ends in a classifier that needs a fixed size
            (`include_top=True`).
        weights: `None`, `"imagenet"` or a path; `"imagenet"` requires 3 channels.

    Returns:
        The shape tuple, without the batch dim (may hold `None`s).
    """
    channels_first = data_format == "channels_first"
    imagenet = isinstance(weights, str) and weights == "imagenet"
    if input_shape is not None:
        input_shape = tuple(input_shape)
    if not imagenet and input_shape and len(input_shape) == 3:
        channels = input_shape[0] if channels_first else input_shape[-1]
        if channels not in (1, 3):
            warnings.warn("This model usually expects 1 or 3 input channels. However, it was "
                          f"passed an input_shape with {channels} input channels.", stacklevel=3)
    else:
        channels = 3
    default_shape = ((channels, default_size, default_size) if channels_first
                     else (default_size, default_size, channels))

    if imagenet and require_flatten:
        if input_shape is not None and input_shape != default_shape:
            raise ValueError("When setting `include_top=True` and loading 'imagenet' weights, "
                             f"`input_shape` should be {default_shape}. "
                             f"Received: input_shape={input_shape}")
        return default_shape
    if input_shape:
        if len(input_shape) != 3:
            raise ValueError("`input_shape` must be a tuple of three integers (height, width, "
                             f"channels). Received: input_shape={input_shape}")
        channels = input_shape[0] if channels_first else input_shape[-1]
        if imagenet and channels != 3:
            raise ValueError("With weights='imagenet' the input must have 3 channels. "
                             f"Received: input_shape={input_shape}")
        spatial = input_shape[1:] if channels_first else input_shape[:2]
        if any(d is not None and d < min_size for d in spatial):
            raise ValueError(f"Input size must be at least {min_size}x{min_size}. "
                             f"Received: input_shape={input_shape}")
    elif require_flatten:
        input_shape = default_shape
    else:
        input_shape = (3, None, None) if channels_first else (None, None, 3)
    if require_flatten and None in input_shape:
        raise ValueError("If `include_top` is True, you should specify a static "
                         f"`input_shape`. Received: input_shape={input_shape}")
    return input_shape


# --- building blocks -------------------------------------------------------------------------

def source_inputs(tensor):
    """The `Input` tensors a symbolic tensor was computed from, in graph order."""
    found, seen, stack = [], set(), [tensor]
    while stack:
        x = stack.pop()
        layer, node_index, _ = x._keras_history
        node = layer._inbound_nodes[node_index]
        if node.is_input:
            if id(x) not in seen:
                seen.add(id(x))
                found.append(x)
        else:
            stack.extend(reversed(node.input_tensors))
    return found


def model_input(input_tensor, input_shape):
    """Returns `(img_input, model_inputs)` for a model function's `input_tensor` / `input_shape`.

    Without `input_tensor`, a new `Input(shape=input_shape)`. With one, the model is built on
    it and its inputs are the `Input`s that tensor came from.
    """
    from cornu.layers import Input
    if input_tensor is None:
        img_input = Input(shape=input_shape)
        return img_input, img_input
    if not is_keras_tensor(input_tensor):
        raise ValueError("`input_tensor` must be a symbolic tensor (the output of "
                         "`keras.Input()` or of a layer called on one). "
                         f"Received: input_tensor={type(input_tensor).__name__}")
    inputs = source_inputs(input_tensor)
    return input_tensor, inputs[0] if len(inputs) == 1 else inputs


def pooling_head(x, pooling, name=None):
    """The feature head of `include_top=False` models: `None`, `"avg"` or `"max"` pooling."""
    from cornu import layers
    if pooling == "avg":
        return layers.GlobalAveragePooling2D(name=name and f"avg_{name}")(x)
    if pooling == "max":
        return layers.GlobalMaxPooling2D(name=name and f"max_{name}")(x)
    if pooling is not None:
        raise ValueError("Expected `pooling` to be None, 'avg' or 'max'. "
                         f"Received: pooling={pooling!r}")
    return x


def classification_head(x, include_top, pooling, classes, classifier_activation,
                        avg_pool_name=None, pooling_name=None):
    """The usual end of a model: with the top, global average pooling (named `avg_pool_name`)
    and the `predictions` Dense layer; without it, `pooling_head(x, pooling, pooling_name)`."""
    from cornu import layers
    if include_top:
        x = layers.GlobalAveragePooling2D(name=avg_pool_name)(x)
        return layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    return pooling_head(x, pooling, name=pooling_name)


def correct_pad(inputs, kernel_size):
    """Zero-padding `((top, bottom), (left, right))` for a strided 'valid' 2D convolution.

    Args:
        inputs: the (symbolic) input tensor.
        kernel_size: an int or a pair of ints.
    """
    axis = 2 if config.image_data_format() == "channels_first" else 1
    size = inputs.shape[axis:axis + 2]
    if isinstance(kernel_size, int):
        kernel_size = (kernel_size, kernel_size)
    adjust = (1, 1) if size[0] is None else (1 - size[0] % 2, 1 - size[1] % 2)
    correct = (kernel_size[0] // 2, kernel_size[1] // 2)
    return ((correct[0] - adjust[0], correct[0]), (correct[1] - adjust[1], correct[1]))


# --- weights ---------------------------------------------------------------------------------

def fetch_weights(origin, file_hash, fname=None):
    """Downloads (or finds in the cache) one of Keras's weight files; returns its path."""
    fname = fname or os.path.basename(origin)
    try:
        return file_utils.get_file(fname, origin, cache_subdir="models", file_hash=file_hash)
    except file_utils.DownloadError as error:
        target = os.path.join(file_utils.cornu_home(), "models", fname)
        raise file_utils.DownloadError(
            f"Could not download the pretrained weights {fname!r} ({error}). Offline, download "
            f"{origin} elsewhere and copy it to {target!r} (the cache under $CORNU_HOME or "
            "~/.cornu; it is checked against the expected hash), or pass the file's path as "
            "`weights=`.") from error


def load_weights(model, weights, include_top=True, origin_top=None, origin_notop=None,
                 file_hash_top=None, file_hash_notop=None, fname_top=None, fname_notop=None):
    """Loads `weights` into a model built by a model function.

    Args:
        model: the model.
        weights: `None` (nothing to load), `"imagenet"` (Keras's file for this model,
            fetched into the cache) or a path of a weights file.
        include_top: picks the file with or without the classifier.
        origin_top, origin_notop: URLs of Keras's files.
        file_hash_top, file_hash_notop: their hashes.
        fname_top, fname_notop: names in the cache (default: the URL's last part).

    Returns:
        The model.
    """
    if weights is None:
        return model
    if isinstance(weights, str) and weights == "imagenet":
        if include_top:
            path = fetch_weights(origin_top, file_hash_top, fname_top)
        else:
            path = fetch_weights(origin_notop, file_hash_notop, fname_notop)
    else:
        path = os.fspath(weights)
    model.load_weights(path)
    return model


def prepare_input(weights, include_top, classes, input_tensor, input_shape, default_size=224,
                  min_size=32, classifier_activation="softmax"):
    """The common start of a model function: checks the arguments, makes the input.

    Returns:
        `(img_input, model_inputs, input_shape)`: the tensor to build on, the model's inputs
        (see `model_input`) and the input shape from `obtain_input_shape`.
    """
    validate_weights(weights, include_top, classes, classifier_activation)
    input_shape = obtain_input_shape(input_shape, default_size=default_size, min_size=min_size,
                                     data_format=config.image_data_format(),
                                     require_flatten=include_top, weights=weights)
    return (*model_input(input_tensor, input_shape), input_shape)


def channel_axis():
    """The channel axis of 4D image tensors under the global data format (3 or 1)."""
    return 1 if config.image_data_format() == "channels_first" else 3


_PREPROCESSING = {
    "caffe": "RGB to BGR, then each channel zero-centered on ImageNet's mean",
    "tf": "pixels scaled to [-1, 1]",
    "torch": "pixels scaled to [0, 1], then normalized with ImageNet's mean and std",
    "none": "nothing to do: the model takes pixels in [0, 255] as they are",
}

MODEL_DOC = """Instantiates the {model} model, optionally with Keras's ImageNet weights.

    Inputs are expected preprocessed by `cornu.applications.{module}.preprocess_input`
    ({preprocessing}).

    Args:
        include_top: whether to include {top}.
        weights: `None` (random initialization), `"imagenet"` (Keras's ImageNet weights,
            downloaded once into `~/.cornu/models`) or the path of a weights file.
        input_tensor: optional symbolic tensor (output of `keras.Input()`) to use as input.
        input_shape: optional shape tuple `(height, width, channels)` (without the batch
            dim); `({size}, {size}, 3)` when `include_top=True` with ImageNet weights; height
            and width at least {min_size}.{extra}
        pooling: with `include_top=False`, `None` (4D output of the last block), `"avg"` or
            `"max"` (global pooling, 2D output).
        classes: number of classes, only with `include_top=True` and no `weights`.
        classifier_activation: activation of the top layer (`None` returns logits); only
            `None` or `"softmax"` with pretrained weights.
        name: the model's name.

    Returns:
        A functional `Model`.
    """


def model_doc(model, module, top="the classifier at the top", mode="caffe", size=224,
              min_size=32, extra=""):
    """The docstring of a model function, from `MODEL_DOC`."""
    return MODEL_DOC.format(model=model, module=module, top=top,
                            preprocessing=_PREPROCESSING[mode], size=size, min_size=min_size,
                            extra=extra)


def make_divisible(value, divisor=8, min_value=None):
    """Rounds a channel count to a multiple of `divisor`, never below 90% of `value`."""
    min_value = divisor if min_value is None else min_value
    rounded = max(min_value, int(value + divisor / 2) // divisor * divisor)
    return rounded + divisor if rounded < 0.9 * value else rounded


def spatial_size(input_shape, input_tensor=None):
    """`(rows, cols)` of an input shape (no batch dim), else of `input_tensor`, else `None`s."""
    channels_first = config.image_data_format() == "channels_first"
    if input_shape is not None:
        shape = tuple(input_shape)
    elif is_keras_tensor(input_tensor):
        shape = tuple(input_tensor.shape[1:])
    else:
        return None, None
    return tuple(shape[1:3]) if channels_first else tuple(shape[0:2])


def square_default_size(input_shape, input_tensor, sizes, fallback=224):
    """The input's side when it is square and one of `sizes` (sizes with weight files)."""
    rows, cols = spatial_size(input_shape, input_tensor)
    return rows if rows == cols and rows in sizes else fallback


def check_input_tensor_shape(input_tensor, input_shape):
    """With both `input_tensor` and `input_shape`, their known dims must agree."""
    if input_tensor is None or input_shape is None or not is_keras_tensor(input_tensor):
        return
    given = tuple(input_tensor.shape[1:])
    if len(given) != len(input_shape) or any(
            a is not None and b is not None and a != b for a, b in zip(given, input_shape)):
        raise ValueError("`input_shape` must match the shape of `input_tensor` (without the "
                         f"batch dim). Received: input_shape={tuple(input_shape)}, "
                         f"input_tensor.shape={input_tensor.shape}")


def weights_input_size(rows, cols, sizes):
    """The input size whose ImageNet weights load: `rows` when the input is square and its size
    is in `sizes`, else 224, with a warning."""
    if rows != cols or rows not in sizes:
        warnings.warn("`input_shape` is undefined or non-square, or its size is not in "
                      f"{list(sizes)}. Weights for input shape (224, 224) will be loaded as the "
                      "default.", stacklevel=3)
        return 224
    return rows
