"""A model's compile arguments to and from Keras's `compile_config` (and Keras 2's `training_config`)."""

import warnings

from cornu.saving import serialization_lib


def get_compile_config(model):
    """The arguments `model` was compiled with, serialized; `{}` when it is not compiled.

    Args:
        model: a cornu `Model`.
    """
    if not getattr(model, "compiled", False):
        return {}
    compile_loss = model._compile_loss
    compile_metrics = model._compile_metrics
    serialize = serialization_lib.serialize_keras_object
    return {
        "optimizer": serialize(model.optimizer),
        "loss": serialize(compile_loss._spec if compile_loss is not None else model.loss),
        "loss_weights": serialize(compile_loss._weights_spec if compile_loss is not None
                                  else None),
        "metrics": serialize(compile_metrics._metrics_spec if compile_metrics else None),
        "weighted_metrics": serialize(compile_metrics._weighted_spec if compile_metrics
                                      else None),
        "run_eagerly": bool(model.run_eagerly),
        "steps_per_execution": model.steps_per_execution,
        "jit_compile": bool(model.jit_compile),
    }


def deserialize_compile_value(value, kind, custom_objects=None):
    """Deserializes one compile argument; names stay names, configs become objects.

    Args:
        value: the serialized argument (a name, a config, or a list / dict of them).
        kind: "loss" or "metric": which package resolves configs that name no module.
        custom_objects: extra classes and functions by name.
    """
    if isinstance(value, dict) and "class_name" in value:
        from cornu import losses, metrics
        package = losses if kind == "loss" else metrics
        return package.deserialize(value, custom_objects=custom_objects)
    if isinstance(value, dict):
        return {k: deserialize_compile_value(v, kind, custom_objects) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [deserialize_compile_value(v, kind, custom_objects) for v in value]
    return value


def _optimizer_from(config, custom_objects):
    from cornu import optimizers
    if config is None or isinstance(config, str):
        return config or "rmsprop"
    if isinstance(config, dict) and "class_name" in config:
        return optimizers.deserialize(config, custom_objects=custom_objects)
    raise ValueError(f"Invalid optimizer in the compile configuration: {config!r}")


_PLAIN_ARGS = ("loss_weights", "run_eagerly", "steps_per_execution", "jit_compile")


def compile_args(config, custom_objects=None):
    """The keyword arguments of `compile()` described by a `compile_config` dict."""
    if not isinstance(config, dict):
        raise ValueError(f"A compile configuration must be a dict; received {config!r}.")
    args = {k: config[k] for k in _PLAIN_ARGS if k in config}
    args["optimizer"] = _optimizer_from(config.get("optimizer"), custom_objects)
    if "loss" in config:
        args["loss"] = deserialize_compile_value(config["loss"], "loss", custom_objects)
    for key in ("metrics", "weighted_metrics"):
        if key in config:
            args[key] = deserialize_compile_value(config[key], "metric", custom_objects)
    return args


def build_optimizer(model):
    """Creates the optimizer's variables for the model's trainable weights (as `fit` does)."""
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None or not model.built or getattr(optimizer, "built", True):
        return
    variables = [v for v in model.trainable_weights if v.requires_grad]
    if variables:
        optimizer.build(variables)


def compile_from_config(model, config, custom_objects=None):
    """Compiles `model` from a `compile_config` dict and builds its optimizer.

    Args:
        model: the model.
        config: the dict from `get_compile_config()`.
        custom_objects: extra classes and functions by name.
    """
    from cornu.trainers.trainer import Trainer

    if not config:
        return
    if type(model).compile is not Trainer.compile:
        warnings.warn("`compile()` was not called as part of model loading because the "
                      "model's `compile()` method is custom. Override `get_compile_config()` "
                      "and `compile_from_config(config)`, or call `compile()` after loading.",
                      stacklevel=3)
        return
    model.compile(**compile_args(config, custom_objects))
    build_optimizer(model)


def training_config(model):
    """Keras 2's `training_config` (the legacy `.h5` attribute) of a compiled model."""
    config = get_compile_config(model)
    if not config:
        return None
    optimizer = config.pop("optimizer")
    config["optimizer_config"] = {"class_name": optimizer["class_name"],
                                  "config": optimizer["config"]}
    return config


def compile_args_from_training_config(config, custom_objects=None):
    """The keyword arguments of `compile()` described by a legacy `training_config`."""
    if not isinstance(config, dict):
        raise ValueError(f"A training configuration must be a dict; received {config!r}.")
    config = dict(config)
    args = compile_args({k: v for k, v in config.items() if k != "optimizer_config"},
                        custom_objects)
    args["optimizer"] = _optimizer_from(config.get("optimizer_config"), custom_objects)
    return args
