"""Registry of custom classes and functions that may be (de)serialized."""

import inspect
import threading

_GLOBAL_CUSTOM_OBJECTS = {}
_GLOBAL_CUSTOM_NAMES = {}
_scope = threading.local()


def _scoped_objects():
    return getattr(_scope, "stack", [])


class CustomObjectScope:
    """Makes custom objects visible to deserialization inside a `with` block.

    Args:
        custom_objects: dict mapping names to classes or functions.
    """

    def __init__(self, custom_objects=None):
        self.custom_objects = dict(custom_objects or {})

    def __enter__(self):
        _scope.stack = _scoped_objects() + [self.custom_objects]
        return self

    def __exit__(self, *exc):
        _scope.stack = _scoped_objects()[:-1]


custom_object_scope = CustomObjectScope


def get_custom_objects():
    """Returns the global dict of registered custom objects (mutable)."""
    return _GLOBAL_CUSTOM_OBJECTS


def register_keras_serializable(package="Custom", name=None):
    """Registers a class or function under `package>name` for deserialization.

    Args:
        package: namespace of the object.
        name: registered name; defaults to the object's `__name__`.
    """

    def decorator(obj):
        registered_name = f"{package}>{name or obj.__name__}"
        if inspect.isclass(obj) and not hasattr(obj, "get_config"):
            raise ValueError(
                f"Cannot register {obj}: a serializable class must define `get_config()`."
            )
        _GLOBAL_CUSTOM_OBJECTS[registered_name] = obj
        _GLOBAL_CUSTOM_NAMES[obj] = registered_name
        return obj

    return decorator


def get_registered_name(obj):
    """Returns the name `obj` was registered under, or its `__name__`."""
    if obj in _GLOBAL_CUSTOM_NAMES:
        return _GLOBAL_CUSTOM_NAMES[obj]
    return obj.__name__


def get_registered_object(name, custom_objects=None, module_objects=None):
    """Looks `name` up in scopes, the global registry, `custom_objects`, then `module_objects`."""
    for scoped in reversed(_scoped_objects()):
        if name in scoped:
            return scoped[name]
    if name in _GLOBAL_CUSTOM_OBJECTS:
        return _GLOBAL_CUSTOM_OBJECTS[name]
    if custom_objects and name in custom_objects:
        return custom_objects[name]
    if module_objects and name in module_objects:
        return module_objects[name]
    return None


def find_by_short_name(name, custom_objects=None):
    """The registered object whose name is `package>name` for some package, if exactly one."""
    suffix = f">{name}"
    pools = [*reversed(_scoped_objects()), _GLOBAL_CUSTOM_OBJECTS, custom_objects or {}]
    for pool in pools:
        matches = [obj for key, obj in pool.items() if key.endswith(suffix)]
        if len(matches) == 1:
            return matches[0]
    return None
