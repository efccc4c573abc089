"""`FeatureSpace`: preprocessing and encoding of structured (tabular) data, feature by
feature, from cornu's preprocessing layers."""

import numpy as np
import torch

from cornu.backend.keras_tensor import KerasTensor
from cornu.layers.input_layer import InputLayer
from cornu.layers.layer import Layer
from cornu.layers.preprocessing.category_encoding import CategoryEncoding
from cornu.layers.preprocessing.discretization import Discretization
from cornu.layers.preprocessing.hashed_crossing import HashedCrossing
from cornu.layers.preprocessing.hashing import Hashing
from cornu.layers.preprocessing.integer_lookup import IntegerLookup
from cornu.layers.preprocessing.normalization import Normalization
from cornu.layers.preprocessing.rescaling import Rescaling
from cornu.layers.preprocessing.string_lookup import StringLookup
from cornu.layers.preprocessing.text_vectorization import TextVectorization
from cornu.saving import serialization_lib
from cornu.utils.naming import auto_name

_MODULE = "keras.src.layers.preprocessing.feature_space"
_FEATURE_TYPES = ("float", "float_rescaled", "float_normalized", "float_discretized",
                  "integer_categorical", "string_categorical", "integer_hashed",
                  "string_hashed")


class TFDIdentity(Layer):
    """Passes its input through (the preprocessor of `FeatureSpace.float()` features)."""

    _keras_module = _MODULE

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return super().get_config()


class TFDConcat(Layer):
    """Concatenates a list of one or more tensors along `axis` (the "concat" output)."""

    _keras_module = _MODULE

    def __init__(self, axis, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis

    def call(self, inputs):
        return torch.cat(list(inputs), dim=self.axis)

    def compute_output_shape(self, input_shape):
        shapes = [list(shape) for shape in input_shape]
        out = shapes[0]
        sizes = [shape[self.axis] for shape in shapes]
        out[self.axis] = None if None in sizes else sum(sizes)
        return tuple(out)

    def get_config(self):
        config = super().get_config()
        config["axis"] = self.axis
        return config


def _deserialize(config):
    """A `Feature`, `Cross` or preprocessing layer from its serialized dict."""
    objects = {"Feature": Feature, "Cross": Cross, "TFDIdentity": TFDIdentity}
    if config.get("class_name") in ("Feature", "Cross"):
        return objects[config["class_name"]].from_config(config["config"])
    return serialization_lib.deserialize_keras_object(config, module_objects=objects)


class Cross:
    """A feature cross of a `FeatureSpace`: the named features hashed together into
    `crossing_dim` bins (a `HashedCrossing` layer).

    Args:
        feature_names: the names of the features to cross.
        crossing_dim: the number of hashing bins.
        output_mode: "one_hot" (the bin one-hot encoded) or "int" (the bin index).
    """

    _keras_module = _MODULE

    def __init__(self, feature_names, crossing_dim, output_mode="one_hot"):
        if output_mode not in {"int", "one_hot"}:
            raise ValueError("Invalid value for argument `output_mode`. Expected one of "
                             f"{{'int', 'one_hot'}}. Received: output_mode={output_mode}")
        self.feature_names = tuple(feature_names)
        self.crossing_dim = crossing_dim
        self.output_mode = output_mode

    @property
    def name(self):
        return "_X_".join(self.feature_names)

    def get_config(self):
        return {"feature_names": self.feature_names, "crossing_dim": self.crossing_dim,
                "output_mode": self.output_mode}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class Feature:
    """One feature of a `FeatureSpace`: its input dtype, its preprocessing layer and how
    the preprocessed value is encoded.

    Args:
        dtype: the dtype of the raw input ("float32", "int32", "string", ...).
        preprocessor: a preprocessing layer (or its serialized dict).
        output_mode: "float" (used as is), "int" (an index, kept as is) or "one_hot"
            (an index, multi-hot encoded over the preprocessor's output space).
    """

    _keras_module = _MODULE

    def __init__(self, dtype, preprocessor, output_mode):
        if output_mode not in {"int", "one_hot", "float"}:
            raise ValueError("Invalid value for argument `output_mode`. Expected one of "
                             f"{{'int', 'one_hot', 'float'}}. Received: output_mode={output_mode}")
        self.dtype = dtype
        if isinstance(preprocessor, dict):
            preprocessor = _deserialize(preprocessor)
        self.preprocessor = preprocessor
        self.output_mode = output_mode

    def get_config(self):
        return {"dtype": self.dtype,
                "preprocessor": serialization_lib.serialize_keras_object(self.preprocessor),
                "output_mode": self.output_mode}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _string_input(name):
    # `Input(dtype="string")` has no dtype policy to take; the lookup and hashing layers
    # read string KerasTensors, so the input is made from a string KerasTensor directly.
    tensor = KerasTensor((None, 1), "float32", name=name)
    tensor.dtype = "string"
    return InputLayer(input_tensor=tensor, name=name).output


class FeatureSpace(Layer):
    """One-stop utility for preprocessing and encoding structured data.

    Args:
        features: dict mapping the names of the features to their type, e.g.
            `{"my_feature": "integer_categorical"}` or
            `{"my_feature": FeatureSpace.integer_categorical()}`. The type names are
            "float", "float_rescaled", "float_normalized", "float_discretized",
            "integer_categorical", "string_categorical", "integer_hashed" and
            "string_hashed" (with the constructors' default arguments).
        output_mode: "concat" (all encoded features concatenated into one vector, features
            by sorted name, then crosses by sorted name) or "dict" (a dict of the encoded
            features, crosses under `"a_X_b"` names).
        crosses: list of features to cross, e.g. `[("feature_1", "feature_2")]` or
            `[FeatureSpace.cross(("feature_1", "feature_2"), crossing_dim=32)]`: their
            preprocessed values are hashed together into a fixed number of bins.
        crossing_dim: the number of bins of crosses given as tuples of names. Defaults
            to 32.
        hashing_dim: the number of bins of "integer_hashed" and "string_hashed" features
            given by name. Defaults to 32.
        num_discretization_bins: the number of bins of "float_discretized" features given
            by name. Defaults to 32.
        name: the layer's name.

    `adapt(data)` fits the adaptable preprocessors (normalization statistics,
    vocabularies, bin boundaries) on a dict of arrays or an iterable of dict batches;
    calling the `FeatureSpace` on a dict of arrays (batched or one sample) encodes it.
    `get_inputs()` and `get_encoded_features()` give the symbolic inputs and encoded
    outputs to build a Functional model on. The preprocessing layers are in
    `.preprocessors` (by feature name), the crossing layers in `.crossers`.
    """

    _keras_module = "keras.utils"

    # ------------------------------------------------------------------ feature types

    @classmethod
    def cross(cls, feature_names, crossing_dim, output_mode="one_hot"):
        return Cross(feature_names, crossing_dim, output_mode=output_mode)

    @classmethod
    def feature(cls, dtype, preprocessor, output_mode):
        return Feature(dtype, preprocessor, output_mode)

    @classmethod
    def float(cls, name=None):
        name = name or auto_name("float")
        return Feature(dtype="float32",
                       preprocessor=TFDIdentity(dtype="float32", name=f"{name}_preprocessor"),
                       output_mode="float")

    @classmethod
    def float_rescaled(cls, scale=1.0, offset=0.0, name=None):
        name = name or auto_name("float_rescaled")
        return Feature(dtype="float32",
                       preprocessor=Rescaling(scale=scale, offset=offset,
                                              name=f"{name}_preprocessor"),
                       output_mode="float")

    @classmethod
    def float_normalized(cls, name=None):
        name = name or auto_name("float_normalized")
        return Feature(dtype="float32",
                       preprocessor=Normalization(axis=-1, name=f"{name}_preprocessor"),
                       output_mode="float")

    @classmethod
    def float_discretized(cls, num_bins, bin_boundaries=None, output_mode="one_hot",
                          name=None):
        name = name or auto_name("float_discretized")
        if bin_boundaries is not None and num_bins is not None:
            # Keras's Discretization takes both when they agree; cornu's takes one.
            if len(bin_boundaries) != num_bins - 1:
                raise ValueError(
                    f"FeatureSpace.float_discretized '{name}': `num_bins` must be "
                    "len(bin_boundaries) + 1. Received: num_bins="
                    f"{num_bins}, bin_boundaries={bin_boundaries}")
            num_bins = None
        preprocessor = Discretization(num_bins=num_bins, bin_boundaries=bin_boundaries,
                                      name=f"{name}_preprocessor")
        return Feature(dtype="float32", preprocessor=preprocessor, output_mode=output_mode)

    @classmethod
    def integer_categorical(cls, max_tokens=None, num_oov_indices=1, output_mode="one_hot",
                            name=None):
        name = name or auto_name("integer_categorical")
        preprocessor = IntegerLookup(name=f"{name}_preprocessor", max_tokens=max_tokens,
                                     num_oov_indices=num_oov_indices)
        return Feature(dtype="int32", preprocessor=preprocessor, output_mode=output_mode)

    @classmethod
    def string_categorical(cls, max_tokens=None, num_oov_indices=1, output_mode="one_hot",
                           name=None):
        name = name or auto_name("string_categorical")
        preprocessor = StringLookup(name=f"{name}_preprocessor", max_tokens=max_tokens,
                                    num_oov_indices=num_oov_indices)
        return Feature(dtype="string", preprocessor=preprocessor, output_mode=output_mode)

    @classmethod
    def string_hashed(cls, num_bins, output_mode="one_hot", name=None):
        name = name or auto_name("string_hashed")
        return Feature(dtype="string",
                       preprocessor=Hashing(name=f"{name}_preprocessor", num_bins=num_bins),
                       output_mode=output_mode)

    @classmethod
    def integer_hashed(cls, num_bins, output_mode="one_hot", name=None):
        name = name or auto_name("integer_hashed")
        return Feature(dtype="int32",
                       preprocessor=Hashing(name=f"{name}_preprocessor", num_bins=num_bins),
                       output_mode=output_mode)

    # ------------------------------------------------------------------ construction

    def __init__(self, features, output_mode="concat", crosses=None, crossing_dim=32,
                 hashing_dim=32, num_discretization_bins=32, name=None, **kwargs):
        kwargs.pop("trainable", None)
        kwargs.pop("dtype", None)
        super().__init__(name=name, **kwargs)
        if not features:
            raise ValueError("The `features` argument cannot be None or empty.")
        if not isinstance(features, dict):
            raise ValueError("FeatureSpace: `features` must be a dict mapping feature names "
                             f"to feature types. Received: features={features!r} (of type "
                             f"{type(features).__name__})")
        if output_mode not in {"concat", "dict"}:
            raise ValueError("Invalid value for argument `output_mode`. Expected one of "
                             f"{{'concat', 'dict'}}. Received: output_mode={output_mode}")
        self.crossing_dim = crossing_dim
        self.hashing_dim = hashing_dim
        self.num_discretization_bins = num_discretization_bins
        self.features = {name: self._standardize_feature(name, value)
                         for name, value in features.items()}
        self.crosses = []
        for cross in crosses or ():
            if isinstance(cross, dict):
                cross = _deserialize(cross)
            if not isinstance(cross, Cross):
                if not crossing_dim:
                    raise ValueError("When specifying `crosses`, the argument `crossing_dim` "
                                     "(dimensionality of the crossing space) should be "
                                     "specified as well.")
                cross = Cross(cross, crossing_dim=crossing_dim)
            unknown = [key for key in cross.feature_names if key not in self.features]
            if unknown:
                raise ValueError("All features referenced in the `crosses` argument should be "
                                 "present in the `features` dict. Received unknown features: "
                                 f"{unknown} in cross {cross.feature_names}")
            self.crosses.append(cross)
        self.crosses_by_name = {cross.name: cross for cross in self.crosses}
        self.output_mode = output_mode
        self.inputs = {name: self._feature_to_input(name, value)
                       for name, value in self.features.items()}
        # Plain dicts (not torch ModuleDicts, whose keys cannot hold "."): feature names are
        # column names such as "sepal.length". `.keras` files still find the layers in them.
        object.__setattr__(self, "preprocessors",
                           {name: value.preprocessor for name, value in self.features.items()})
        self.encoded_features = None
        object.__setattr__(self, "crossers", {
            cross.name: HashedCrossing(cross.crossing_dim, name=cross.name)
            for cross in self.crosses})
        object.__setattr__(self, "one_hot_encoders", {})
        self._is_adapted = False
        self.concat = None
        self._preprocessed_features_names = None
        self._crossed_features_names = None
        self._sublayers_built = False

    def _feature_to_input(self, name, feature):
        if feature.dtype == "string":
            return _string_input(name)
        return InputLayer(shape=(1,), dtype=feature.dtype, name=name).output

    def _standardize_feature(self, name, feature):
        if isinstance(feature, Feature):
            return feature
        if isinstance(feature, dict):
            return _deserialize(feature)
        if feature == "float":
            return self.float(name=name)
        if feature == "float_normalized":
            return self.float_normalized(name=name)
        if feature == "float_rescaled":
            return self.float_rescaled(name=name)
        if feature == "float_discretized":
            return self.float_discretized(name=name, num_bins=self.num_discretization_bins)
        if feature == "integer_categorical":
            return self.integer_categorical(name=name)
        if feature == "string_categorical":
            return self.string_categorical(name=name)
        if feature == "integer_hashed":
            return self.integer_hashed(self.hashing_dim, name=name)
        if feature == "string_hashed":
            return self.string_hashed(self.hashing_dim, name=name)
        raise ValueError(f"Invalid feature type: {feature!r} (feature '{name}'). Expected a "
                         f"`FeatureSpace.feature(...)` or one of {list(_FEATURE_TYPES)}.")

    # ------------------------------------------------------------------ adapt

    def _list_adaptable_preprocessors(self):
        names = []
        for name in self.features:
            preprocessor = self.preprocessors[name]
            # A Normalization with given mean/variance, a TextVectorization with a given
            # vocabulary and a Discretization with given boundaries are not adaptable.
            if isinstance(preprocessor, Normalization) and preprocessor.input_mean is not None:
                continue
            if (isinstance(preprocessor, TextVectorization)
                    and getattr(preprocessor, "_has_input_vocabulary", False)):
                continue
            if isinstance(preprocessor, Discretization) and preprocessor.num_bins is None:
                continue
            if isinstance(preprocessor, (IntegerLookup, StringLookup)) and \
                    preprocessor._has_input_vocabulary:
                continue
            if hasattr(preprocessor, "adapt"):
                names.append(name)
        return names

    def adapt(self, dataset):
        """Fits the adaptable preprocessors on `dataset`.

        Args:
            dataset: a dict of arrays or lists (all the samples at once), or an iterable of
                dict batches (a list of dicts, a generator, a `BatchDataset`, a
                DataLoader); `(x, y)` batches use `x`.
        """
        names = self._list_adaptable_preprocessors()
        if isinstance(dataset, dict):
            batches = [dataset]
        elif hasattr(dataset, "__iter__") and not isinstance(dataset, (str, bytes)) and \
                not hasattr(dataset, "shape"):
            batches = []
            for batch in dataset:
                if isinstance(batch, (tuple, list)) and batch and isinstance(batch[0], dict):
                    batch = batch[0]
                if not isinstance(batch, dict):
                    raise ValueError("FeatureSpace: `adapt()` expects a dict of arrays or an "
                                     "iterable of dict batches. Received a batch of type "
                                     f"{type(batch).__name__}")
                batches.append(batch)
            if not batches:
                raise ValueError("FeatureSpace: `adapt()` received no data (an empty "
                                 "iterable).")
        else:
            raise ValueError("`adapt()` can only be called on a dict of arrays/lists or an "
                             f"iterable of dict batches. Received instead: {dataset!r} (of "
                             f"type {type(dataset)})")
        for name in names:
            missing = [i for i, batch in enumerate(batches) if name not in batch]
            if missing:
                raise ValueError(f"FeatureSpace: `adapt()` needs feature '{name}' in every "
                                 f"batch; batch {missing[0]} has only keys "
                                 f"{sorted(batches[missing[0]])}.")
            columns = [_column(batch[name], self.features[name].dtype) for batch in batches]
            # Batches of one sample each (e.g. a list of row dicts) hold scalars.
            columns = [c.reshape(1, 1) if c.ndim == 0 else c for c in columns]
            self.preprocessors[name].adapt(iter(columns))
        self._is_adapted = True
        self.get_encoded_features()  # finishes building the layer
        self.built = True
        self._sublayers_built = True

    # ------------------------------------------------------------------ symbolic use

    def get_inputs(self):
        """The dict of symbolic `Input`s, one per feature (shape `(None, 1)`)."""
        self._check_if_built()
        return self.inputs

    def get_encoded_features(self):
        """The symbolic encoded features computed from `get_inputs()` (a tensor with
        `output_mode="concat"`, a dict with `"dict"`)."""
        self._check_if_adapted()
        if self.encoded_features is None:
            preprocessed = self._preprocess_features(self.inputs)
            crossed = self._cross_features(preprocessed)
            self.encoded_features = self._merge_features(preprocessed, crossed)
        return self.encoded_features

    def _preprocess_features(self, features):
        return {name: self.preprocessors[name](features[name]) for name in features}

    def _cross_features(self, features):
        return {cross.name: self.crossers[cross.name](
                    [features[name] for name in cross.feature_names])
                for cross in self.crosses}

    def _merge_features(self, preprocessed, crossed):
        if not self._preprocessed_features_names:
            self._preprocessed_features_names = sorted(preprocessed)
            self._crossed_features_names = sorted(crossed)
        all_names = self._preprocessed_features_names + self._crossed_features_names
        all_features = ([preprocessed[n] for n in self._preprocessed_features_names]
                        + [crossed[n] for n in self._crossed_features_names])

        if self._sublayers_built:
            outputs = {}
            for name, feature in zip(all_names, all_features):
                if name in self.one_hot_encoders:
                    feature = self.one_hot_encoders[name](feature)
                outputs[name] = feature
            if self.output_mode == "dict":
                return outputs
            return self.concat(list(outputs.values()))

        # First (symbolic) pass: create the one-hot encoders and the concatenation.
        specs = ([self.features[n] for n in self._preprocessed_features_names]
                 + [self.crosses_by_name[n] for n in self._crossed_features_names])
        outputs = {}
        for name, feature, spec in zip(all_names, all_features, specs):
            dtype = str(feature.dtype)
            if spec.output_mode == "one_hot":
                preprocessor = (self.preprocessors[name] if name in self.preprocessors
                                else self.crossers[name])
                if not dtype.startswith("int"):
                    raise ValueError(f"Feature '{name}' has `output_mode='one_hot'`. Thus its "
                                     "preprocessor should return an integer dtype. Instead it "
                                     f"returns a {dtype} dtype.")
                if isinstance(preprocessor, (IntegerLookup, StringLookup)):
                    cardinality = preprocessor.vocabulary_size()
                elif isinstance(preprocessor, CategoryEncoding):
                    cardinality = preprocessor.num_tokens
                elif isinstance(preprocessor, Discretization):
                    cardinality = (preprocessor.num_bins if preprocessor.num_bins is not None
                                   else len(preprocessor.bin_boundaries) + 1)
                elif isinstance(preprocessor, (HashedCrossing, Hashing)):
                    cardinality = preprocessor.num_bins
                else:
                    raise ValueError(f"Feature '{name}' has `output_mode='one_hot'`. However it "
                                     "isn't a standard feature and the dimensionality of its "
                                     "output space is not known, thus it cannot be one-hot "
                                     "encoded. Try using `output_mode='int'`.")
                encoder = CategoryEncoding(num_tokens=cardinality, output_mode="multi_hot")
                self.one_hot_encoders[name] = encoder
                feature = encoder(feature)
            if self.output_mode == "concat":
                dtype = str(feature.dtype)
                if dtype.startswith("int") or dtype.startswith("uint") or dtype == "string":
                    raise ValueError(f"Cannot concatenate features because feature '{name}' "
                                     f"has not been encoded (it has dtype {dtype}). Consider "
                                     "using `output_mode='dict'`.")
            outputs[name] = feature
        if self.output_mode == "dict":
            return outputs
        self.concat = TFDConcat(axis=-1)
        return self.concat(list(outputs.values()))

    def _check_if_adapted(self):
        if not self._is_adapted:
            if not self._list_adaptable_preprocessors():
                self._is_adapted = True
            else:
                raise ValueError("You need to call `.adapt(dataset)` on the FeatureSpace "
                                 "before you can start using it.")

    def _check_if_built(self):
        if not self._sublayers_built:
            self._check_if_adapted()
            self.get_encoded_features()  # finishes building
            self._sublayers_built = True

    # ------------------------------------------------------------------ call

    def __call__(self, data):
        self._check_if_built()
        if not isinstance(data, dict):
            raise ValueError("A FeatureSpace can only be called with a dict. "
                             f"Received: data={data} (of type {type(data)})")
        missing = [name for name in self.features if name not in data]
        unknown = [name for name in data if name not in self.features]
        if missing or unknown:
            raise ValueError(f"FeatureSpace '{self.name}' expects a dict with the keys "
                             f"{sorted(self.features)}. Missing keys: {missing}; unknown "
                             f"keys: {unknown}.")
        if any(isinstance(x, KerasTensor) for x in data.values()):
            # Symbolic dict inputs: the graph of `get_encoded_features()` on them.
            preprocessed = self._preprocess_features(data)
            return self._merge_features(preprocessed, self._cross_features(preprocessed))
        inputs = {}
        rebatched = False
        for name in self.features:
            x = _column(data[name], self.features[name].dtype)
            if x.ndim == 0:
                x = x.reshape(1, 1)
                rebatched = True
            inputs[name] = x
        with torch.no_grad():
            preprocessed = self._preprocess_features(inputs)
            merged = self._merge_features(preprocessed, self._cross_features(preprocessed))
        if rebatched:
            if self.output_mode == "concat":
                merged = merged[0]
            else:
                merged = {name: x[0] if getattr(x, "ndim", 0) == 2 and x.shape[0] == 1 else x
                          for name, x in merged.items()}
        return merged

    # ------------------------------------------------------------------ saving

    def get_config(self):
        return {
            "features": serialization_lib.serialize_keras_object(self.features),
            "output_mode": self.output_mode,
            "crosses": serialization_lib.serialize_keras_object(self.crosses),
            "crossing_dim": self.crossing_dim,
            "hashing_dim": self.hashing_dim,
            "num_discretization_bins": self.num_discretization_bins,
        }

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def get_build_config(self):
        return {name: feature.preprocessor.get_build_config()
                for name, feature in self.features.items()}

    def build_from_config(self, config):
        for name, build_config in config.items():
            preprocessor = self.features[name].preprocessor
            if build_config and not preprocessor.built:
                preprocessor.build_from_config(build_config)
        self._is_adapted = True

    def save(self, filepath):
        """Saves the `FeatureSpace` to a `.keras` file; reload it with
        `keras.models.load_model()`."""
        from cornu.saving import saving_api
        saving_api.save_model(self, filepath)

    def save_own_variables(self, store):
        return

    def load_own_variables(self, store):
        return


def _column(value, dtype):
    """One feature's values as a `(batch, 1)` (or scalar) array or tensor of `dtype`."""
    if isinstance(value, torch.Tensor):
        x = value
    elif isinstance(value, (str, bytes)) or dtype == "string":
        x = np.asarray(value)
        if x.dtype.kind == "S":
            x = np.char.decode(x, "utf-8")
        elif x.dtype.kind != "U":
            x = x.astype(str)
    else:
        x = np.asarray(value)
        if x.dtype.kind in "iufb":
            x = torch.as_tensor(x)
    if isinstance(x, torch.Tensor):
        if dtype in ("float32", "float64", "float16", "bfloat16"):
            x = x.to(getattr(torch, dtype))
        elif dtype.startswith("int") and (x.dtype.is_floating_point or x.dtype == torch.bool):
            x = x.to(torch.int64)  # integers keep their width: int64 ids are not truncated
    if x.ndim == 1:
        x = x[:, None]
    return x
