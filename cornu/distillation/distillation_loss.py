"""Distillation losses: how a teacher's outputs (or features) are compared with a student's.

`Distiller` asks each loss for `compute_loss(teacher_outputs, student_outputs)`, a scalar.
Losses may be nested like the outputs (a list or dict of losses, `None` to skip an output).
"""

import torch

from cornu import losses as losses_module
from cornu import tree
from cornu.saving import serialization_lib


def _get_loss(identifier):
    """A loss name becomes Keras's loss function; anything else is kept as given."""
    if identifier is None:
        return None
    if isinstance(identifier, str):
        return losses_module.get(identifier)
    return identifier


def _is_kl_divergence(loss_fn):
    # Keras 3.15 only recognises a `KLDivergence` instance, so its default "kl_divergence"
    # (which resolves to the function) skips the softmax and the T**2 scaling; both forms
    # are KL divergence here, as the documentation describes.
    return isinstance(loss_fn, losses_module.KLDivergence) or loss_fn is losses_module.kl_divergence


def _as_tensor(x):
    if isinstance(x, torch.Tensor):
        return x
    return torch.as_tensor(x, dtype=torch.float32)


def _sum_of(values, like):
    """The sum of per-output losses; skipped outputs (None losses) count as 0."""
    device = _as_tensor(tree.flatten(like)[0]).device
    flat = [torch.as_tensor(v, dtype=torch.float32, device=device).reshape(())
            if not isinstance(v, torch.Tensor) else v.reshape(()) for v in tree.flatten(values)]
    return torch.stack(flat).sum()


def _check_some_loss(owner, loss):
    if all(l is None for l in tree.flatten(loss)):
        raise ValueError(f"{owner}: `loss` must contain at least one loss that is not None. "
                         f"Received: loss={loss!r}")


class DistillationLoss:
    """Base class of distillation losses.

    Subclasses implement `compute_loss(teacher_outputs, student_outputs, **kwargs)`, which
    returns a scalar, and may override `validate_outputs` and
    `validate_model_compatibility`.
    """

    def compute_loss(self, teacher_outputs, student_outputs, **kwargs):
        """The distillation loss (a scalar) between teacher and student outputs.

        Args:
            teacher_outputs: the teacher's outputs (a tensor or a structure of tensors).
            student_outputs: the student's outputs, with the same structure.
            **kwargs: extra arguments for custom losses.
        """
        raise NotImplementedError(
            f"{type(self).__name__} must implement `compute_loss(teacher_outputs, "
            "student_outputs)`.")

    def validate_outputs(self, teacher_outputs, student_outputs):
        """Raises a `ValueError` unless both outputs have the same structure."""
        tree.assert_same_structure(teacher_outputs, student_outputs)

    def validate_model_compatibility(self, teacher, student):
        """Raises a `ValueError` if this loss cannot distill `teacher` into `student`."""


class FeatureDistillation(DistillationLoss):
    """Matches the student's features (a layer's output, or the final outputs) with the
    teacher's.

    Args:
        loss: the loss between teacher and student features: a name (e.g. "mse",
            "cosine_similarity"), a loss instance or function, or a structure of them
            matching the outputs, `None` skipping an output (at least one must be set).
            Defaults to "mse".
        teacher_layer_name: name of the teacher layer whose output is compared; `None`
            for the teacher's final output.
        student_layer_name: name of the student layer whose output is compared; `None`
            for the student's final output.
    """

    def __init__(self, loss="mse", teacher_layer_name=None, student_layer_name=None):
        self.teacher_layer_name = teacher_layer_name
        self.student_layer_name = student_layer_name
        self.loss = tree.map_structure(_get_loss, loss)
        _check_some_loss("FeatureDistillation", self.loss)

    def validate_model_compatibility(self, teacher, student):
        if self.teacher_layer_name is not None or self.student_layer_name is not None:
            symbolic = [name for name, model in (("teacher", teacher), ("student", student))
                        if getattr(model, "inputs", None) is None]
            if symbolic:
                raise ValueError(
                    "FeatureDistillation with layer names reads intermediate layer outputs, "
                    "which needs Functional or Sequential models with known inputs; the "
                    f"{' and '.join(symbolic)} model(s) have none (subclassed or not built). "
                    "Use Functional/Sequential models, FeatureDistillation without layer "
                    "names, or LogitsDistillation.")
        for role, model, name in (("teacher", teacher, self.teacher_layer_name),
                                  ("student", student, self.student_layer_name)):
            if name is not None:
                try:
                    model.get_layer(name=name)
                except ValueError as e:
                    raise ValueError(f"In {role} model: {e}") from None

    def validate_outputs(self, teacher_outputs, student_outputs):
        super().validate_outputs(teacher_outputs, student_outputs)
        try:
            tree.assert_same_structure(self.loss, teacher_outputs)
        except ValueError as e:
            raise ValueError(
                "FeatureDistillation: the structure of `loss` must match the features'. "
                f"Received loss={self.loss!r} for features of structure "
                f"{tree.map_structure(lambda _: '*', teacher_outputs)!r}. ({e})") from None

    def compute_loss(self, teacher_outputs, student_outputs, **kwargs):
        def one(loss_fn, teacher, student):
            if loss_fn is None:
                return 0.0
            return torch.mean(loss_fn(_as_tensor(teacher), _as_tensor(student)))

        values = tree.map_structure(one, self.loss, teacher_outputs, student_outputs)
        return _sum_of(values, teacher_outputs)

    def get_config(self):
        return {
            "loss": losses_module.serialize(self.loss),
            "teacher_layer_name": self.teacher_layer_name,
            "student_layer_name": self.student_layer_name,
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["loss"] = losses_module.deserialize(config["loss"])
        return cls(**config)


class LogitsDistillation(DistillationLoss):
    """Matches the student's final outputs (logits) with the teacher's, softened by a
    temperature.

    Both logits are divided by `temperature`. A KL-divergence loss (the default, given by
    name, function or `KLDivergence` instance) compares the softmax probabilities and is
    scaled by `temperature ** 2`, as in Hinton et al.; any other loss is applied to the
    scaled logits.

    Args:
        temperature: the softmax temperature, a positive number; higher values give softer
            distributions. Defaults to 3.0.
        loss: a loss name, instance or function, or a structure of them matching the
            outputs, `None` skipping an output (at least one must be set). Defaults to
            "kl_divergence".
    """

    def __init__(self, temperature=3.0, loss="kl_divergence"):
        self.temperature = temperature
        self.loss = tree.map_structure(_get_loss, loss)
        _check_some_loss("LogitsDistillation", self.loss)
        if isinstance(temperature, bool) or not isinstance(temperature, (int, float)):
            raise ValueError("LogitsDistillation: `temperature` must be a number. "
                             f"Received: temperature={temperature!r}")
        if temperature <= 0.0:
            raise ValueError("LogitsDistillation: `temperature` must be positive. "
                             f"Received: temperature={temperature}")

    def compute_loss(self, teacher_outputs, student_outputs, **kwargs):
        t = self.temperature

        def one(loss_fn, teacher, student):
            if loss_fn is None:
                return 0.0
            teacher, student = _as_tensor(teacher) / t, _as_tensor(student) / t
            if _is_kl_divergence(loss_fn):
                probs = loss_fn(torch.softmax(teacher, dim=-1), torch.softmax(student, dim=-1))
                return torch.mean(probs) * (t ** 2)
            return torch.mean(loss_fn(teacher, student))

        values = tree.map_structure(one, self.loss, teacher_outputs, student_outputs)
        return _sum_of(values, teacher_outputs)

    def get_config(self):
        return {
            "temperature": self.temperature,
            "loss": serialization_lib.serialize_keras_object(self.loss),
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["loss"] = losses_module.deserialize(config["loss"])
        return cls(**config)
