"""Keras 3's serialization format: `{"module", "class_name", "config", "registered_name"}`.

Only cornu's own classes, registered classes and classes passed in `custom_objects` are
ever instantiated; nothing from a config is imported or executed.
"""

import importlib
import inspect
import types

from cornu.saving import object_registration

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
}
# Searched in this order when a config names no module (Keras 2 style).
_SEARCH_ORDER = (
    "cornu.layers", "cornu.models", "cornu.losses", "cornu.metrics", "cornu.optimizers",
    "cornu.optimizers.schedules", "cornu.initializers", "cornu.regularizers",
    "cornu.constraints", "cornu.activations", "cornu.dtype_policies",
)


def _keras_module_of(obj):
    """The Keras module name to write for a cornu object (e.g. `keras.layers`)."""
    cls = obj if inspect.isclass(obj) else type(obj)
    explicit = cls.__dict__.get("_keras_module")
    if explicit:
        return explicit
    parts = cls.__module__.split(".")
    if parts[0] != "cornu":
        return cls.__module__
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
    if hasattr(obj, "tolist") and not hasattr(obj, "get_config"):  # numpy / torch values
        return obj.tolist()
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
    if not hasattr(obj, "get_config"):
        raise TypeError(
            f"Cannot serialize {obj!r} of type {type(obj).__name__}: it has no `get_config()`."
        )
    cls = type(obj)
    registered = object_registration._GLOBAL_CUSTOM_NAMES.get(cls)
    config = {
        "module": _keras_module_of(obj),
        "class_name": cls.__name__,
        "config": obj.get_config(),
        "registered_name": registered if registered else (None if _is_cornu_builtin(cls) else cls.__name__),
    }
    build_config = getattr(obj, "get_build_config", None)
    if build_config is not None:
        built = build_config()
        if built:
            config["build_config"] = built
    return config


def _cornu_package_for(module):
    if not module:
        return None
    if module in ("keras", "keras.src.models.functional", "keras.src.engine.functional",
                  "keras.src.models.sequential", "keras.src.engine.sequential",
                  "keras.models", "keras.src.models.model", "keras.src.engine.training"):
        return None  # searched among all packages by class name
    name = module.split(".", 1)[1] if module.startswith("keras.") else module
    if name.startswith("src."):
        name = name.split(".")[1]
    return _KERAS_TO_CORNU.get(name)


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
        if obj is not None and (inspect.isclass(obj) or callable(obj)):
            return obj
    return None


def resolve_object(class_name, module=None, registered_name=None, custom_objects=None):
    """Finds the class or function a config names, or returns None."""
    for key in (registered_name, class_name):
        if key:
            found = object_registration.get_registered_object(key, custom_objects)
            if found is not None:
                return found
    return _lookup_builtin(class_name, module)


def deserialize_keras_object(config, custom_objects=None, module_objects=None, safe_mode=True):
    """Recreates an object from `serialize_keras_object`'s output (or Keras 2's `{class_name, config}`).

    Args:
        config: the serialized dict, or a plain value / name.
        custom_objects: dict of extra classes and functions by name.
        module_objects: dict of objects to look names up in first (e.g. a package's catalogue).
        safe_mode: refuse to run Python bytecode stored in the config (Lambda layers).
    """
    from cornu.saving.safe_mode import safe_mode_scope

    if config is None or isinstance(config, (bool, int, float)):
        return config
    if isinstance(config, (list, tuple)):
        return [deserialize_keras_object(c, custom_objects, module_objects, safe_mode) for c in config]
    if isinstance(config, str):
        obj = (module_objects or {}).get(config) or resolve_object(
            config, custom_objects=custom_objects)
        if obj is None:
            raise ValueError(f"Unknown object name: '{config}'.")
        return obj
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(
            f"Cannot deserialize {config!r}: expected a dict with a 'class_name' key.")
    class_name = config["class_name"]
    inner = config.get("config", {})
    if class_name == "function" or class_name == "__type__":
        name = inner
        obj = None
        if module_objects and name in module_objects:
            obj = module_objects[name]
        if obj is None:
            obj = resolve_object(name, config.get("module"), config.get("registered_name")
                                 if config.get("registered_name") not in ("function",) else None,
                                 custom_objects)
        if obj is None:
            raise ValueError(f"Unknown {'function' if class_name == 'function' else 'class'}: '{name}'. "
                             "Pass it in `custom_objects` or register it with "
                             "`register_keras_serializable`.")
        return obj
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
    with safe_mode_scope(safe_mode), object_registration.CustomObjectScope(custom_objects or {}):
        obj = cls.from_config(inner)
        build_config = config.get("build_config")
        if build_config and hasattr(obj, "build_from_config"):
            obj.build_from_config(build_config)
    return obj


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
