"""`clear_session`: forgets the process-wide state that models and layers leave behind."""

import gc
import sys


def clear_session(free_memory=True):
    """Resets cornu's global state, as `keras.backend.clear_session()` does.

    Call it between models built in a loop so that default names start again (`dense`,
    not `dense_57`) and settings made for one experiment do not leak into the next:

    - layer, model and tensor name counters restart;
    - the global dtype policy goes back to `keras.config.floatx()` (the float type itself,
      the epsilon, image data format and device are kept, as Keras keeps them);
    - the seed given to `set_random_seed` is forgotten (the random generators are not
      reseeded);
    - unsafe deserialization is disallowed again and interactive logging switched back on;
    - custom-object scopes entered on this thread are left;
    - torch.compile's caches (used by `jit_compile=True`) are dropped.

    Registered custom objects and built models stay usable.

    Args:
        free_memory: also run Python's garbage collector, and, where CUDA is in use, return
            the memory torch holds cached for freed tensors to the device.
    """
    # Only modules that were imported can hold state; the others are still at their defaults.
    modules = sys.modules
    if "cornu.utils.naming" in modules:
        modules["cornu.utils.naming"].reset_uids()
    if "cornu.backend.keras_tensor" in modules:
        modules["cornu.backend.keras_tensor"].reset_uids()
    if "cornu.dtype_policies" in modules:
        modules["cornu.dtype_policies"].set_dtype_policy(None)
    if "cornu.utils.rng_utils" in modules:
        modules["cornu.utils.rng_utils"]._GLOBAL_SEED = None
    if "cornu.saving.safe_mode" in modules:
        modules["cornu.saving.safe_mode"]._GLOBAL["unsafe"] = False
    if "cornu.saving.object_registration" in modules:
        modules["cornu.saving.object_registration"]._scope.stack = []
    if "cornu.utils.io_utils" in modules:
        modules["cornu.utils.io_utils"].enable_interactive_logging()
    if "torch._dynamo" in modules:
        modules["torch._dynamo"].reset()
    if free_memory:
        gc.collect()
        torch = modules.get("torch")
        if torch is not None and torch.cuda.is_initialized():
            torch.cuda.empty_cache()
