"""Writes lookup_reference.json: Keras 3's outputs, vocabularies and configs for the cases of
lookup_cases.py. Keras's lookup, text and hashing layers need TensorFlow, which is not a cornu test
dependency, so this runs once where TensorFlow is installed:

    KERAS_BACKEND=tensorflow python make_lookup_reference.py
"""

import json
import pathlib

import keras
import numpy as np

from lookup_cases import CASES, HASHING_CASES


def plain(x):
    x = np.asarray(x)
    if x.dtype.kind in "SO":
        return [[v.decode() if isinstance(v, bytes) else v for v in row]
                for row in x.reshape(len(x), -1).tolist()]
    return x.tolist()


reference = {"keras_version": keras.__version__}
for case_id, class_name, kwargs, adapt_data, inputs in CASES:
    layer = getattr(keras.layers, class_name)(**kwargs)
    if adapt_data is not None:
        layer.adapt(adapt_data)
    outputs = layer(inputs)
    config = layer.get_config()
    config.pop("name")
    config.pop("dtype")
    reference[case_id] = {
        "outputs": plain(outputs),
        "output_dtype": str(np.asarray(outputs).dtype),
        "vocabulary": [v.item() if hasattr(v, "item") else v for v in layer.get_vocabulary()],
        "config": config,
    }
reference["hashing"] = {}
for case_id, kwargs, inputs in HASHING_CASES:
    layer = keras.layers.Hashing(**kwargs)
    outputs = np.asarray(layer(inputs))
    config = layer.get_config()
    config.pop("name")
    reference["hashing"][case_id] = {
        "outputs": outputs.tolist(), "output_dtype": str(outputs.dtype), "config": config}
path = pathlib.Path(__file__).with_name("lookup_reference.json")
path.write_text(json.dumps(reference, ensure_ascii=False, indent=None))
