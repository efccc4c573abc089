"""What `compile` configures: the total loss over a model's outputs, and its metrics.

Losses and metrics may be given once for all outputs, as a list in output order, or as a
dict keyed by output name; everything is resolved on the first batch, when the structure
of targets and predictions is known.
"""

import torch

from cornu import losses as losses_module
from cornu import metrics as metrics_module
from cornu.utils import tree


def _flatten_outputs(structure, output_names):
    """Predictions or targets as a list in output order."""
    if isinstance(structure, dict):
        missing = [n for n in output_names if n not in structure]
        if missing:
            raise ValueError(f"Missing entries for outputs {missing} in a dict keyed by output "
                             f"name. Expected keys: {output_names}. Received: {list(structure)}")
        return [structure[n] for n in output_names]
    if isinstance(structure, (list, tuple)):
        return list(structure)
    return [structure]


def _per_output(spec, output_names, what):
    """Spreads a compile argument over outputs: a list with one entry per output."""
    n = len(output_names)
    if isinstance(spec, dict):
        unknown = [k for k in spec if k not in output_names]
        if unknown:
            raise ValueError(f"Unknown output names in `{what}`: {unknown}. The model's "
                             f"outputs are: {output_names}")
        return [spec.get(name) for name in output_names]
    if isinstance(spec, (list, tuple)) and n > 1:
        if len(spec) != n:
            raise ValueError(f"`{what}` has {len(spec)} entries but the model has {n} outputs "
                             f"({output_names}). Pass one per output, or a dict by output name.")
        return list(spec)
    if isinstance(spec, (list, tuple)) and n == 1 and len(spec) == 1:
        return list(spec)
    return [spec] * n


def _resolve_loss(identifier):
    if identifier is None:
        return None
    loss = losses_module.get(identifier)
    if isinstance(loss, losses_module.Loss):
        return loss
    name = getattr(loss, "__name__", "loss")
    return losses_module.LossFunctionWrapper(loss, name=name)


class CompileLoss:
    """Sums the (weighted) per-output losses; remembers each output's loss for the logs.

    Args:
        loss: the `loss` argument of compile.
        loss_weights: optional per-output weights (list or dict).
        output_names: the model's output names.
    """

    def __init__(self, loss, loss_weights, output_names):
        self.output_names = list(output_names)
        self._spec, self._weights_spec = loss, loss_weights
        self.built = False

    def build(self, y_true, y_pred):
        names = self.output_names
        n_pred = len(_flatten_outputs(y_pred, names))
        if n_pred != len(names):
            names = [f"output_{i}" for i in range(n_pred)] if n_pred > 1 else names[:1]
            self.output_names = names
        self.losses = [_resolve_loss(spec) for spec in _per_output(self._spec, names, "loss")]
        if all(l is None for l in self.losses):
            raise ValueError("No loss to compute: `compile(loss=...)` was given no loss for any "
                             "output.")
        if self._weights_spec is None:
            self.weights = [1.0] * len(names)
        else:
            self.weights = [1.0 if w is None else float(w)
                            for w in _per_output(self._weights_spec, names, "loss_weights")]
        self.multi = len(names) > 1
        self.built = True

    def __call__(self, y_true, y_pred, sample_weight=None):
        """Returns `(total_loss, per_output_losses)`."""
        if not self.built:
            self.build(y_true, y_pred)
        names = self.output_names
        trues = _flatten_outputs(y_true, names) if self.multi else [y_true]
        preds = _flatten_outputs(y_pred, names) if self.multi else [y_pred]
        if len(trues) != len(preds):
            raise ValueError(f"The model has {len(preds)} outputs but {len(trues)} targets were "
                             "given.")
        if sample_weight is None or not self.multi or not isinstance(sample_weight, (list, tuple, dict)):
            weights = [sample_weight] * len(preds)
        else:
            weights = _flatten_outputs(sample_weight, names)
        total = None
        per_output = []
        for loss_fn, w, yt, yp, sw in zip(self.losses, self.weights, trues, preds, weights):
            if loss_fn is None:
                per_output.append(None)
                continue
            value = loss_fn(yt, yp, sw) if sw is not None else loss_fn(yt, yp)
            per_output.append(value)
            value = value * w if w != 1.0 else value
            total = value if total is None else total + value
        return total, per_output


class CompileMetrics:
    """The metrics of every output, named as Keras names them in the logs.

    Args:
        metrics: the `metrics` argument of compile.
        weighted_metrics: the `weighted_metrics` argument of compile.
        output_names: the model's output names.
    """

    name = "compile_metrics"

    def __init__(self, metrics, weighted_metrics, output_names, compile_loss=None):
        self._metrics_spec, self._weighted_spec = metrics, weighted_metrics
        self.output_names = list(output_names)
        self.compile_loss = compile_loss
        self.built = False
        self.entries = []  # (output index, metric, weighted, log name)

    def build(self, y_true, y_pred, compile_loss):
        names = compile_loss.output_names if compile_loss is not None else self.output_names
        multi = len(names) > 1
        trues = _flatten_outputs(y_true, names) if multi else [y_true]
        preds = _flatten_outputs(y_pred, names) if multi else [y_pred]
        loss_fns = compile_loss.losses if compile_loss is not None else [None] * len(names)
        taken = {}
        for spec, weighted in ((self._metrics_spec, False), (self._weighted_spec, True)):
            if not spec:
                continue
            for i, per in enumerate(self._spread(spec, names)):
                for identifier in per:
                    metric = self._make(identifier, loss_fns[i], trues[i], preds[i])
                    prefix = f"{names[i]}_" if multi else ""
                    log_name = _unique_log_name(prefix, metric.name, weighted, taken)
                    self.entries.append((i, metric, weighted, log_name))
        self.multi = multi
        self.output_names = names
        self.built = True

    @staticmethod
    def _spread(spec, names):
        if isinstance(spec, dict):
            unknown = [k for k in spec if k not in names]
            if unknown:
                raise ValueError(f"Unknown output names in `metrics`: {unknown}. The model's "
                                 f"outputs are: {names}")
            out = [spec.get(n) or [] for n in names]
        elif isinstance(spec, (list, tuple)) and len(names) > 1 and spec and all(
                isinstance(s, (list, tuple)) or s is None for s in spec):
            if len(spec) != len(names):
                raise ValueError(f"`metrics` has {len(spec)} entries but the model has "
                                 f"{len(names)} outputs.")
            out = [s or [] for s in spec]
        else:
            out = [spec] * len(names)
        return [list(s) if isinstance(s, (list, tuple)) else [s] for s in out]

    @staticmethod
    def _make(identifier, loss_fn, y_true, y_pred):
        if isinstance(identifier, str) and identifier in ("accuracy", "acc", "crossentropy", "ce"):
            return metrics_module.resolve_accuracy(loss_fn, tuple(y_true.shape),
                                                   tuple(y_pred.shape), identifier) \
                if identifier in ("accuracy", "acc") else metrics_module.resolve_crossentropy(
                    loss_fn, tuple(y_true.shape), tuple(y_pred.shape), identifier)
        metric = metrics_module.get(identifier)
        if isinstance(metric, metrics_module.Metric):
            if isinstance(identifier, str):
                metric.name = identifier  # Keras logs a metric given by name under that name
            return metric
        name = identifier if isinstance(identifier, str) else getattr(metric, "__name__", "metric")
        return metrics_module.MeanMetricWrapper(metric, name=name)

    def update_state(self, y_true, y_pred, sample_weight=None):
        if not self.built:  # first reached from a custom `train_step` through `model.metrics`
            self.build(y_true, y_pred, self.compile_loss)
        if not self.entries:
            return
        names = self.output_names
        trues = _flatten_outputs(y_true, names) if self.multi else [y_true]
        preds = _flatten_outputs(y_pred, names) if self.multi else [y_pred]
        if sample_weight is not None and self.multi and isinstance(sample_weight, (list, tuple, dict)):
            weights = _flatten_outputs(sample_weight, names)
        else:
            weights = [sample_weight] * len(preds)
        with torch.no_grad():
            for i, metric, weighted, _ in self.entries:
                yp = preds[i].detach() if isinstance(preds[i], torch.Tensor) else preds[i]
                if weighted and weights[i] is not None:
                    metric.update_state(trues[i], yp, sample_weight=weights[i])
                else:
                    metric.update_state(trues[i], yp)

    @property
    def metrics(self):
        return [m for _, m, _, _ in self.entries]

    @property
    def log_names(self):
        return [name for _, _, _, name in self.entries]

    def reset_state(self):
        for m in self.metrics:
            m.reset_state()

    def result(self):
        """Keras's metric form: a dict of the results by log name."""
        return self.results()

    def results(self):
        out = {}
        for _, metric, _, name in self.entries:
            value = metric.result()
            if isinstance(value, dict):
                out.update(value)
            else:
                out[name] = value
        return out


def _unique_log_name(prefix, name, weighted, taken):
    """Keras's log names: `output_metric`; a repeated name gets `_1`, `_2` (or `weighted_`)."""
    candidate = prefix + name
    if candidate not in taken:
        taken[candidate] = 1
        return candidate
    if weighted:
        candidate = f"{prefix}weighted_{name}"
        if candidate not in taken:
            taken[candidate] = 1
            return candidate
    index = taken[candidate]
    taken[candidate] += 1
    return f"{candidate}_{index}"


def flatten_sample_weight(sample_weight):
    return None if sample_weight is None else tree.flatten(sample_weight)
