"""`Distiller`: trains a student model on its targets and on a frozen teacher's outputs.

It is a subclassed `Model`: `call` is the student's forward pass and `compute_loss` mixes
the student's supervised loss with the weighted distillation losses, so the Trainer's
`fit` / `evaluate` / `predict` run it unchanged.
"""

import warnings

import torch

from cornu import metrics as metrics_module
from cornu import tree
from cornu.distillation.distillation_loss import _get_loss
from cornu.models.model import Model
from cornu.saving import serialization_lib


class Distiller(Model):
    """Distills a teacher model into a student model.

    The teacher is frozen (`teacher.trainable = False`). Each training step minimizes
    `student_loss_weight * student_loss + (1 - student_loss_weight) * distillation_loss`,
    where the student loss is the `loss` given to `compile` (targets against the student's
    outputs) and the distillation loss is the weighted sum of `distillation_losses`. Logs
    add `student_loss`, `distillation_loss` and `total_loss` (means over the batches).
    Calling the distiller (and `predict`) runs the student.

    Args:
        teacher: a trained `Model`, the source of knowledge.
        student: the `Model` to train.
        distillation_losses: a `DistillationLoss` (e.g. `LogitsDistillation`,
            `FeatureDistillation`) or a list of them.
        distillation_loss_weights: one weight per distillation loss (for a list); all 1.0
            by default.
        student_loss_weight: weight of the student's supervised loss, between 0 and 1.
            Defaults to 0.5.
        name: the model's name. Defaults to "distiller".
        **kwargs: base `Model` keyword arguments.
    """

    def __init__(self, teacher, student, distillation_losses, distillation_loss_weights=None,
                 student_loss_weight=0.5, name="distiller", **kwargs):
        super().__init__(name=name, **kwargs)
        self._validate_models(teacher, student)
        self.teacher = teacher
        self.student = student

        if isinstance(student_loss_weight, bool) or not isinstance(student_loss_weight,
                                                                   (int, float)):
            raise ValueError("Distiller: `student_loss_weight` must be a number. "
                             f"Received: student_loss_weight={student_loss_weight!r}")
        if not 0.0 <= student_loss_weight <= 1.0:
            raise ValueError("Distiller: `student_loss_weight` must be between 0.0 and 1.0. "
                             f"Received: student_loss_weight={student_loss_weight}")
        self.student_loss_weight = student_loss_weight

        if distillation_losses is None:
            raise ValueError(
                "Distiller: `distillation_losses` cannot be None. Pass a distillation loss "
                "(e.g. LogitsDistillation or FeatureDistillation) or a list of them.")
        if not isinstance(distillation_losses, (list, tuple)):
            # As in Keras, a single loss has weight 1.0 whatever the weights argument says.
            losses, weights = [distillation_losses], [1.0]
        else:
            losses = list(distillation_losses)
            if distillation_loss_weights is None:
                weights = [1.0] * len(losses)
            elif len(distillation_loss_weights) != len(losses):
                raise ValueError(
                    "Distiller: `distillation_loss_weights` needs one weight per distillation "
                    f"loss: {len(losses)} losses but {len(distillation_loss_weights)} weights "
                    f"(distillation_loss_weights={list(distillation_loss_weights)!r}).")
            else:
                weights = list(distillation_loss_weights)
        self.distillation_losses = losses
        self.distillation_loss_weights = weights
        for loss in losses:
            loss.validate_model_compatibility(teacher, student)

        self._teacher_feature_extractor = self._feature_extractor(
            teacher, self._layer_names("teacher_layer_name"))
        self._student_feature_extractor = self._feature_extractor(
            student, self._layer_names("student_layer_name"))
        self.teacher.trainable = False

        self.student_loss_tracker = metrics_module.Mean(name="student_loss")
        self.distillation_loss_tracker = metrics_module.Mean(name="distillation_loss")
        self.total_loss_tracker = metrics_module.Mean(name="total_loss")
        self._student_loss = None

    # ------------------------------------------------------------------ validation

    @staticmethod
    def _validate_models(teacher, student):
        for role, model in (("teacher", teacher), ("student", student)):
            if not isinstance(model, Model):
                raise ValueError(f"Distiller: `{role}` must be a Model. Received: "
                                 f"{role}={model!r} of type {type(model).__name__}")
        if teacher is student:
            # Keras accepts this and then trains nothing (freezing the teacher freezes the
            # student too).
            raise ValueError("Distiller: `teacher` and `student` must be different models; "
                             f"both are '{teacher.name}'.")
        for kind in ("inputs", "outputs"):
            t, s = getattr(teacher, kind, None), getattr(student, kind, None)
            if t is None or s is None:
                continue  # subclassed models: nothing symbolic to compare
            tree.map_structure(lambda a, b: _check_shapes(a.shape, b.shape, kind[:-1]), t, s)
            tree.map_structure(lambda a, b: _check_dtypes(a.dtype, b.dtype, kind[:-1]), t, s)

    def _layer_names(self, attribute):
        names = []
        for loss in self.distillation_losses:
            name = getattr(loss, attribute, None)
            if name and name not in names:
                names.append(name)
        return names

    @staticmethod
    def _feature_extractor(model, layer_names):
        """A Functional model giving `model`'s final output and the named layers' outputs in
        one forward pass (None when no layer is named)."""
        if not layer_names:
            return None
        if getattr(model, "inputs", None) is None:
            raise ValueError(f"Distiller: cannot read intermediate features of model "
                             f"'{model.name}': it has no symbolic inputs (build it on an "
                             "`Input` first).")
        from cornu.models.sequential import Sequential
        final = model.layers[-1].output if isinstance(model, Sequential) else model.output
        outputs = {"final_output": final}
        for name in layer_names:
            outputs[name] = model.get_layer(name=name).output
        return Model(inputs=model.inputs, outputs=outputs,
                     name=f"{model.name}_multi_feature_extractor")

    # ------------------------------------------------------------------ compile and steps

    def compile(self, optimizer="adam", loss=None, metrics=None, **kwargs):
        """Configures training.

        Args:
            optimizer: optimizer of the student's weights. Defaults to "adam".
            loss: the student's supervised loss (name, instance or function; a structure of
                them for several outputs). Required.
            metrics: a list of metrics of the student's outputs.
            **kwargs: other `Model.compile` arguments.
        """
        if loss is None:
            raise ValueError("Distiller.compile: `loss` (the student's loss) cannot be None.")
        if metrics is not None and not isinstance(metrics, (list, tuple)):
            raise ValueError("Distiller.compile: `metrics` must be a list or a tuple. "
                             f"Received: metrics={metrics!r}")
        if kwargs.get("jit_compile") is True:
            # The compiled step computes the compiled loss only, not `compute_loss`.
            warnings.warn("Distiller runs eagerly: `jit_compile=True` is ignored.",
                          stacklevel=2)
            kwargs["jit_compile"] = False
        self._student_loss = tree.map_structure(_get_loss, loss)
        self._student_loss_for_serialization = loss
        super().compile(optimizer=optimizer, loss=None, metrics=metrics, **kwargs)

    def call(self, inputs, training=None, **kwargs):
        return self.student(inputs, training=training, **kwargs)

    # The steps return the logs in `self.metrics`' order (loss, compiled metrics, then
    # student, distillation and total loss), the order `evaluate` lists them in, as Keras.
    def train_step(self, data):
        super().train_step(data)
        return self.get_metrics_result()

    def test_step(self, data):
        super().test_step(data)
        return self.get_metrics_result()

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """`student_loss_weight * student_loss + (1 - student_loss_weight) *
        distillation_loss`; `sample_weight` is not used (as in Keras)."""
        if y_pred is None:
            y_pred = self(x, training=training)
        device = tree.flatten(y_pred)[0].device
        student_loss = torch.zeros((), device=device)
        if self.student_loss_weight > 0.0 and y is not None:
            if self._student_loss is None:
                raise RuntimeError("Distiller: call `compile(loss=...)` before training.")
            values = tree.flatten(tree.map_structure(lambda fn, t, p: fn(t, p),
                                                     self._student_loss, y, y_pred))
            student_loss = torch.stack([v.mean() for v in values]).sum() if len(values) > 1 \
                else values[0]
            if student_loss.dim() > 0:
                student_loss = student_loss.mean()

        distillation_loss = torch.zeros((), device=device)
        if self.student_loss_weight < 1.0:
            teacher_features = self._teacher_features(x)
            student_features = self._student_features(x, training)
            for loss, weight in zip(self.distillation_losses, self.distillation_loss_weights):
                teacher_name = getattr(loss, "teacher_layer_name", None)
                student_name = getattr(loss, "student_layer_name", None)
                teacher_out = teacher_features[teacher_name or "final_output"]
                student_out = student_features[student_name] if student_name else y_pred
                loss.validate_outputs(teacher_out, student_out)
                value = loss.compute_loss(teacher_out, student_out)
                if getattr(value, "ndim", 0) > 0:
                    raise ValueError(
                        f"Distiller: {type(loss).__name__}.compute_loss must return a scalar; "
                        f"it returned a tensor of shape {tuple(value.shape)}.")
                distillation_loss = distillation_loss + weight * value

        w = self.student_loss_weight
        total = w * student_loss + (1.0 - w) * distillation_loss
        self.student_loss_tracker.update_state(student_loss.detach())
        self.distillation_loss_tracker.update_state(distillation_loss.detach())
        self.total_loss_tracker.update_state(total.detach())
        return total

    def _teacher_features(self, x):
        if self._teacher_feature_extractor is not None:
            return self._teacher_feature_extractor(x, training=False)
        return {"final_output": self.teacher(x, training=False)}

    def _student_features(self, x, training):
        # A second pass of the student, through the extractor, only when a loss names one
        # of its layers (Keras runs it with training=True even in evaluation).
        if self._student_feature_extractor is not None:
            return self._student_feature_extractor(x, training=training)
        return {}

    # ------------------------------------------------------------------ config

    def get_config(self):
        config = super().get_config()
        serialize = serialization_lib.serialize_keras_object
        config.update({
            "teacher": serialize(self.teacher),
            "student": serialize(self.student),
            "distillation_losses": [serialize(l) for l in self.distillation_losses],
            "distillation_loss_weights": self.distillation_loss_weights,
            "student_loss_weight": self.student_loss_weight,
        })
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        deserialize = serialization_lib.deserialize_keras_object
        config["teacher"] = deserialize(config["teacher"], custom_objects)
        config["student"] = deserialize(config["student"], custom_objects)
        config["distillation_losses"] = [deserialize(l, custom_objects)
                                         for l in config["distillation_losses"]]
        return cls(**config)


def _check_shapes(teacher_shape, student_shape, kind):
    teacher_shape, student_shape = tuple(teacher_shape), tuple(student_shape)
    if len(teacher_shape) != len(student_shape) or any(
            a is not None and b is not None and a != b
            for a, b in zip(teacher_shape, student_shape)):
        raise ValueError(f"Distiller: teacher and student {kind} shapes must match (None "
                         f"matches any size). Received: teacher {kind} shape {teacher_shape}, "
                         f"student {kind} shape {student_shape}.")


def _check_dtypes(teacher_dtype, student_dtype, kind):
    if teacher_dtype != student_dtype:
        raise ValueError(f"Distiller: teacher and student {kind} dtypes must match. Received: "
                         f"teacher {teacher_dtype}, student {student_dtype}.")
