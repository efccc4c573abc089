"""Keras 3's serialization format: `{"module", "class_name", "config", "registered_name"}`.

Only cornu's own classes, registered classes and classes passed in `custom_objects` are
ever instantiated; nothing from a config is imported or executed.
"""

import importlib
import inspect
import types

from cornu.saving import lambda_code, object_registration
from cornu.saving.safe_mode import effective_safe_mode

# Keras's public module names (and older Keras 2 ones) mapped to cornu's packages.
_KERAS_TO_CORNU = {
    "layers": "cornu.layers",
    "losses": "cornu.losses",
    "metrics": "cornu.metrics",
    "optimizers": "cornu.optimizers",
    "optimizers.schedules": "cornu.optimizers.schedules",
    "initializers": "cornu.initializers",
    "regularizers": "cornu.regularizers",
    "constraints": "cornu.constraints",
    "activations": "cornu.activations",
    "models": "cornu.models",
    "callbacks": "cornu.callbacks",
    "distillation": "cornu.distillation",
}
# Searched in this order when a config names no module (Keras 2 style).
_SEARCH_ORDER = (
    "cornu.layers", "cornu.models", "cornu.losses", "cornu.metrics", "cornu.optimizers",
    "cornu.optimizers.schedules", "cornu.initializers", "cornu.regularizers",
    "cornu.constraints", "cornu.activations", "cornu.dtype_policies",
    "cornu.utils",  # keras.utils.FeatureSpace
)


def _keras_module_of(obj):
    """The Keras module name to write for a cornu object (e.g. `keras.layers`)."""
    cls = obj if inspect.isclass(obj) else type(obj)
    explicit = cls.__dict__.get("_keras_module")
    if explicit:
        return explicit
    parts = cls.__module__.split(".")
    if parts[0] != "cornu":
        return None if cls.__module__ == "__main__" else cls.__module__
    if len(parts) > 2 and parts[1] == "optimizers" and parts[2] == "schedules":
        return "keras.optimizers.schedules"
    if len(parts) > 1 and parts[1] in _KERAS_TO_CORNU:
        return f"keras.{parts[1]}"
    return "keras"


def _is_cornu_builtin(cls):
    return cls.__module__.split(".")[0] == "cornu"


def serialize_keras_object(obj):
    """Returns a JSON-friendly dict (or plain value) describing `obj`.

    Args:
        obj: a cornu or registered object with `get_config()`, a function, or a plain value.
    """
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    if isinstance(obj, (list, tuple)):
        return [serialize_keras_object(x) for x in obj]
    if isinstance(obj, dict):
        return {k: serialize_keras_object(v) for k, v in obj.items()}
    if isinstance(obj, slice):
        return {"class_name": "__slice__", "config": {
            k: serialize_keras_object(getattr(obj, k)) for k in ("start", "stop", "step")}}
    if obj is Ellipsis:
        return {"class_name": "__ellipsis__", "config": {}}
    if hasattr(obj, "tolist") and not hasattr(obj, "get_config"):  # numpy / torch values
        return obj.tolist()
    if isinstance(obj, types.FunctionType) and obj.__name__ == "<lambda>":
        return {"class_name": "__lambda__", "config": {"value": lambda_code.dump(obj)}}
    if isinstance(obj, types.FunctionType) or isinstance(obj, types.BuiltinFunctionType):
        registered = object_registration._GLOBAL_CUSTOM_NAMES.get(obj)
        return {
            "module": "builtins" if registered is None else obj.__module__,
            "class_name": "function",
            "config": registered or obj.__name__,
            "registered_name": "function" if registered is None else registered,
        }
    if inspect.isclass(obj):
        return {
            "module": _keras_module_of(obj),
            "class_name": "__type__",
            "config": obj.__name__,
            "registered_name": object_registration.get_registered_name(obj),
        }
    if hasattr(obj, "keras_serialization"):  # operations on symbolic tensors (OpLayer)
        return obj.keras_serialization()
    if not hasattr(obj, "get_config"):
        raise TypeError(
            f"Cannot serialize {obj!r} of type {type(obj).__name__}: it has no `get_config()`."
        )
    cls = type(obj)
    registered = object_registration._GLOBAL_CUSTOM_NAMES.get(cls)
    config = {
        "module": _keras_module_of(obj),
        # A class may be exported under another name than its own (`_keras_class_name`).
        "class_name": cls.__dict__.get("_keras_class_name", cls.__name__),
        "config": obj.get_config(),
        "registered_name": registered if registered else (None if _is_cornu_builtin(cls) else cls.__name__),
    }
    build_config = getattr(obj, "get_build_config", None)
    if build_config is not None:
        built = build_config()
        if built:
            config["build_config"] = built
    compile_config = getattr(obj, "get_compile_config", None)
    if compile_config is not None:
        compiled = compile_config()
        if compiled:
            config["compile_config"] = compiled
    return config


def _cornu_package_for(module):
    if not module:
        return None
    if module in ("keras", "keras.src.models.functional", "keras.src.engine.functional",
                  "keras.src.models.sequential", "keras.src.engine.sequential",
                  "keras.models", "keras.src.models.model", "keras.src.engine.training"):
        return None  # searched among all packages by class name
    if module.startswith("keras.src.applications."):  # e.g. ConvNeXt's LayerScale
        return "cornu.applications." + module.rsplit(".", 1)[1]
    if module == "keras.src.layers.preprocessing.feature_space":  # FeatureSpace's parts
        return "cornu.layers.preprocessing.feature_space"
    name = module.split(".", 1)[1] if module.startswith("keras.") else module
    if name.startswith("src."):
        name = name.split(".")[1]
    return _KERAS_TO_CORNU.get(name)


def _is_cornu_object(obj):
    """Only cornu's own classes and functions are found by name (nothing re-exported)."""
    return str(getattr(obj, "__module__", "") or "").split(".")[0] == "cornu"


def _lookup_builtin(class_name, module):
    package = _cornu_package_for(module)
    candidates = [package] if package else []
    candidates += [p for p in _SEARCH_ORDER if p not in candidates]
    for name in candidates:
        try:
            mod = importlib.import_module(name)
        except ImportError:
            continue
        obj = getattr(mod, class_name, None)
        if obj is not None and (inspect.isclass(obj) or callable(obj)) and _is_cornu_object(obj):
            return obj
    return None


def resolve_object(class_name, module=None, registered_name=None, custom_objects=None):
    """Finds the class or function a config names, or returns None."""
    for key in (registered_name, class_name):
        if key:
            found = object_registration.get_registered_object(key, custom_objects)
            if found is not None:
                return found
    builtin = _lookup_builtin(class_name, module)
    if builtin is None and class_name and ">" not in class_name:
        # Keras <= 3.6 and legacy files name registered classes without their package.
        return object_registration.find_by_short_name(class_name, custom_objects)
    return builtin


def deserialize_keras_object(config, custom_objects=None, module_objects=None, safe_mode=True):
    """Recreates an object from `serialize_keras_object`'s output (or Keras 2's `{class_name, config}`).

    Args:
        config: the serialized dict, or a plain value / name.
        custom_objects: dict of extra classes and functions by name.
        module_objects: dict of objects to look names up in first (e.g. a package's catalogue).
        safe_mode: refuse to run Python bytecode stored in the config (Lambda layers); an
            enclosing `safe_mode_scope` takes precedence.
    """
    from cornu.saving.safe_mode import safe_mode_scope

    safe_mode = effective_safe_mode(safe_mode)
    if config is None or isinstance(config, (bool, int, float)):
        return config
    if isinstance(config, (list, tuple)):
        return [deserialize_keras_object(c, custom_objects, module_objects, safe_mode) for c in config]
    if isinstance(config, str):
        return _deserialize_name(config, custom_objects, module_objects)
    if not isinstance(config, dict):
        raise ValueError(f"Cannot deserialize {config!r}: expected a dict, a list or a plain value.")
    if "class_name" not in config or "config" not in config:
        return {k: deserialize_keras_object(v, custom_objects, module_objects, safe_mode)
                for k, v in config.items()}
    class_name = config["class_name"]
    inner = config.get("config")
    if not isinstance(class_name, str):
        raise ValueError(f"Cannot deserialize {config!r}: 'class_name' must be a string.")
    if class_name in ("function", "__type__"):
        kind = "function" if class_name == "function" else "class"
        return _resolve_function_or_class(config, custom_objects, module_objects, kind)
    if class_name.startswith("__") and class_name.endswith("__"):
        return _deserialize_special(class_name, inner, custom_objects, safe_mode)
    module = config.get("module")
    if isinstance(module, str) and module.startswith("keras.src.ops."):
        from cornu.layers.core.op_layer import OpLayer
        return OpLayer.from_keras_operation(class_name, inner, module)
    cls = None
    if module_objects and class_name in module_objects:
        cls = module_objects[class_name]
    if cls is None:
        cls = resolve_object(class_name, config.get("module"), config.get("registered_name"),
                             custom_objects)
    if cls is None:
        raise ValueError(
            f"Unknown class: '{class_name}' (module {config.get('module')!r}). Pass it in "
            "`custom_objects` or register it with `register_keras_serializable`.")
    if not hasattr(cls, "from_config"):
        raise ValueError(f"Class '{class_name}' has no `from_config()`.")
    if not isinstance(inner, dict):
        raise ValueError(f"Cannot deserialize '{class_name}': its 'config' must be a dict, "
                         f"not {type(inner).__name__}.")
    with safe_mode_scope(safe_mode), object_registration.CustomObjectScope(custom_objects or {}):
        obj = cls.from_config(_drop_unsupported_defaults(cls, inner))
        build_config = config.get("build_config")
        if build_config and hasattr(obj, "build_from_config"):
            obj.build_from_config(build_config)
        compile_config = config.get("compile_config")
        if compile_config and hasattr(obj, "compile_from_config"):
            obj.compile_from_config(compile_config)
    return obj


# Config keys newer Keras releases write with a null default that older layer signatures
# may not take; dropping a null value keeps the default.
_NULL_DEFAULT_KEYS = ("quantization_config", "input_axes", "output_axes")


def _drop_unsupported_defaults(cls, config):
    drop = [k for k in _NULL_DEFAULT_KEYS if k in config and config[k] is None]
    if not drop:
        return config
    try:
        params = inspect.signature(cls.__init__).parameters
    except (TypeError, ValueError):
        return config
    return {k: v for k, v in config.items() if k not in drop or k in params}


def _deserialize_name(name, custom_objects, module_objects):
    if custom_objects and name in custom_objects:
        return custom_objects[name]
    if module_objects is None:
        return name  # a plain string value
    obj = module_objects.get(name) or object_registration.get_registered_object(
        name, custom_objects)
    if obj is None:
        raise ValueError(f"Unknown object name: '{name}'.")
    return obj


def _resolve_function_or_class(config, custom_objects, module_objects, kind):
    name = config.get("config")
    if not isinstance(name, str):
        raise ValueError(f"Cannot deserialize {config!r}: a {kind} is named by a string.")
    obj = module_objects.get(name) if module_objects else None
    if obj is None:
        registered = config.get("registered_name")
        obj = resolve_object(name, config.get("module"),
                             registered if registered not in ("function",) else None,
                             custom_objects)
    if obj is None:
        raise ValueError(f"Unknown {kind}: '{name}'. Pass it in `custom_objects` or register "
                         "it with `register_keras_serializable`.")
    return obj


def _deserialize_special(class_name, inner, custom_objects, safe_mode):
    """Keras's built-in value encodings: `__numpy__`, `__tensor__`, `__lambda__`, ... ."""
    import numpy as np

    def value():
        if not isinstance(inner, dict) or "value" not in inner:
            raise ValueError(f"Invalid '{class_name}' config: {inner!r}")
        return inner["value"]

    if class_name == "__numpy__":
        return np.array(value(), dtype=inner.get("dtype"))
    if class_name == "__tensor__":
        import torch
        from cornu.utils.dtypes import to_torch_dtype
        dtype = inner.get("dtype")
        return torch.tensor(value(), dtype=to_torch_dtype(dtype) if dtype else None)
    if class_name == "__bytes__":
        return value().encode("utf-8")
    if class_name == "__ellipsis__":
        return Ellipsis
    if class_name == "__slice__":
        parts = [deserialize_keras_object(inner.get(k), custom_objects, safe_mode=safe_mode)
                 for k in ("start", "stop", "step")]
        return slice(*parts)
    if class_name == "__lambda__":
        if safe_mode:
            raise ValueError(
                "Requested the deserialization of a Python lambda. Loading it would run "
                "Python bytecode stored in the file, which could execute arbitrary code, so "
                "it is refused by default. If you trust the source of the file, pass "
                "`safe_mode=False` to the loading function, or call "
                "`cornu.saving.enable_unsafe_deserialization()`.")
        return lambda_code.load(value())
    raise ValueError(f"Cannot deserialize the special object '{class_name}' here.")


def get_object(identifier, module_objects, kind, custom_objects=None):
    """Resolves a package identifier (None, name, config dict, instance or callable).

    Args:
        identifier: what the user passed.
        module_objects: dict of the package's objects by every accepted name.
        kind: the package's noun for error messages (e.g. "loss").
        custom_objects: optional extra names.
    """
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        return deserialize_keras_object(identifier, custom_objects, module_objects)
    if isinstance(identifier, str):
        obj = module_objects.get(identifier)
        if obj is None:
            obj = object_registration.get_registered_object(identifier, custom_objects)
        if obj is None:
            valid = ", ".join(sorted(k for k in module_objects if not k[0].isupper()) or
                              sorted(module_objects))
            raise ValueError(f"Unknown {kind}: '{identifier}'. Valid names are: {valid}.")
        return obj() if inspect.isclass(obj) else obj
    if inspect.isclass(identifier):
        return identifier()
    if callable(identifier) or hasattr(identifier, "get_config"):
        return identifier
    raise ValueError(f"Could not interpret {kind} identifier: {identifier!r}")
