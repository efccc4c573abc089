"""`compile`, `fit`, `evaluate`, `predict` and the batch-level calls, mixed into `Model`.

The training step is what a PyTorch expert writes by hand: forward, loss, backward,
optimizer step; metrics accumulate on the device, and the host waits for the device only
when something is printed or a callback reads the logs.
"""

import contextlib
import warnings

import torch

from cornu import optimizers as optimizers_module
from cornu.backend import config
from cornu.callbacks.callback_list import CallbackList
from cornu.distribution.data_parallel import distribution, is_chief
from cornu.trainers import data_adapter
from cornu.trainers.compile_utils import CompileLoss, CompileMetrics
from cornu.trainers.compiled_steps import CompiledSteps
from cornu.trainers.logs import LazyLogs, MeanTracker, materialize
from cornu.utils import tree
from cornu.utils.dtypes import tensor_to_numpy


class Trainer:
    """Training and inference loops (Keras's `Model` API)."""

    def __init__(self):
        self.compiled = False
        self.optimizer = None
        self.loss = None
        self.stop_training = False
        self.history = None
        self._compile_loss = None
        self._compile_metrics = None
        self._loss_tracker = None
        self._output_loss_trackers = []
        self._trainable_cache = None
        self.run_eagerly = False
        self.jit_compile = False
        self.steps_per_execution = 1
        self._jit = None

    # ------------------------------------------------------------------ compile

    def compile(self, optimizer="rmsprop", loss=None, loss_weights=None, metrics=None,
                weighted_metrics=None, run_eagerly=False, steps_per_execution=1,
                jit_compile="auto", auto_scale_loss=True):
        """Configures the model for training.

        Args:
            optimizer: optimizer name (e.g. "adam") or instance.
            loss: loss name, function or `Loss`; a list or dict (by output name) for
                several outputs.
            loss_weights: per-output weights of the losses (list or dict).
            metrics: metric names, functions or `Metric`s; per output as a list of lists or
                a dict.
            weighted_metrics: metrics that take `sample_weight` / `class_weight` into account.
            run_eagerly: accepted for compatibility; cornu always runs eagerly unless
                `jit_compile=True`.
            steps_per_execution: accepted for compatibility (one step per execution).
            jit_compile: True compiles the forward and loss with `torch.compile`.
        """
        self.optimizer = optimizers_module.get(optimizer)
        if (auto_scale_loss and self.dtype_policy.name == "mixed_float16"
                and not isinstance(self.optimizer, optimizers_module.LossScaleOptimizer)):
            self.optimizer = optimizers_module.LossScaleOptimizer(self.optimizer)
        self.loss = loss
        output_names = self._output_names()
        self._compile_loss = CompileLoss(loss, loss_weights, output_names) if loss is not None else None
        self._compile_metrics = CompileMetrics(metrics, weighted_metrics, output_names,
                                               self._compile_loss)
        self._loss_tracker = MeanTracker("loss")
        self._output_loss_trackers = []
        self.run_eagerly = run_eagerly
        self.jit_compile = jit_compile is True
        self.steps_per_execution = steps_per_execution
        self._jit = CompiledSteps(self) if self.jit_compile else None
        self.compiled = True

    def _output_names(self):
        names = getattr(self, "output_names", None)
        return list(names) if names else ["output"]

    def _assert_compiled(self):
        if not self.compiled:
            raise RuntimeError("You must call `compile()` before using the model for training "
                               "or evaluation.")

    @property
    def metrics(self):
        """The loss tracker(s), then the compiled metrics as one object, as in Keras.

        The compiled metrics' `update_state(y, y_pred)` updates them all and `result()` is a
        dict, which a custom `train_step` may return as is (its entries are logged).
        """
        return self._compiled_metrics() + self._attribute_metrics()

    def _compiled_metrics(self):
        out = [self._loss_tracker] if self._loss_tracker is not None else []
        out += self._output_loss_trackers
        compiled = self._compile_metrics
        if compiled is not None and (compiled._metrics_spec is not None
                                     or compiled._weighted_spec is not None):
            out.append(compiled)
        return out

    def _attribute_metrics(self):
        """Metrics held as attributes (alone or in lists) by the model or its layers, as
        Keras tracks them; layers that are models themselves keep theirs."""
        from cornu.metrics.metric import Metric
        found = {}
        for layer in self._flatten_layers(include_self=True):
            if layer is not self and isinstance(layer, Trainer):
                continue
            for value in vars(layer).values():
                items = value if isinstance(value, (list, tuple)) else (value,)
                for item in items:
                    if isinstance(item, Metric):
                        found.setdefault(id(item), item)
        return list(found.values())

    def _logged_attribute_metrics(self):
        """The attribute metrics as found at the last `reset_metrics` (each epoch): finding
        them walks every layer, too slow to repeat on each batch."""
        tracked = getattr(self, "_tracked_metrics", None)
        return self._attribute_metrics() if tracked is None else tracked

    @property
    def metrics_names(self):
        """Log names in `evaluate`'s order: loss, per-output losses, compiled metrics."""
        names = [] if self._loss_tracker is None else [self._loss_tracker.name]
        names += [t.name for t in self._output_loss_trackers]
        if self._compile_metrics is not None:
            names += self._compile_metrics.log_names
        return names

    def reset_metrics(self):
        self._tracked_metrics = self._attribute_metrics()
        for m in self._compiled_metrics() + self._tracked_metrics:
            m.reset_state()

    def compute_metrics(self, x, y, y_pred, sample_weight=None):
        """Updates the compiled metrics and returns every metric's result.

        Override it to update metrics of your own (call `super()` first, then add
        entries to the dict it returns); the default `train_step` and `test_step` call an
        override and log what it returns.

        Args:
            x: the batch's inputs.
            y: the batch's targets.
            y_pred: the model's outputs for `x`.
            sample_weight: the batch's sample weights, or None.
        """
        if self._compile_metrics is not None and y is not None:
            self._compile_metrics.update_state(y, y_pred, sample_weight)
        return self.get_metrics_result()

    def get_metrics_result(self):
        """The results of `self.metrics` as one dict (dict results merged in)."""
        out = {}
        for metric in self._compiled_metrics() + self._logged_attribute_metrics():
            result = metric.result()
            out.update(result if isinstance(result, dict) else {metric.name: result})
        return out

    def _update_metrics(self, x, y, y_pred, sample_weight):
        """What the default steps do with metrics: a `compute_metrics` override decides the
        logs; otherwise the compiled metrics update and the logs are read on demand."""
        if type(self).compute_metrics is not Trainer.compute_metrics:
            return self.compute_metrics(x, y, y_pred, sample_weight)
        if y is not None:
            self._compile_metrics.update_state(y, y_pred, sample_weight)
        return None

    # ------------------------------------------------------------------ steps

    def _device(self):
        for w in self.weights:
            return w.device
        from cornu.backend.config import device
        return device()

    def _trainable_variables(self):
        from cornu.layers.layer import Layer
        version = Layer._trainable_version
        if self._trainable_cache is None or self._trainable_cache[0] != version:
            variables = [v for v in self.trainable_weights if v.requires_grad]
            constrained = [v for v in variables if getattr(v, "constraint", None) is not None]
            # Keras penalizes trainable weights only: a frozen kernel's regularizer is a
            # constant it leaves out of the loss.
            regularized = [v for v in variables if getattr(v, "regularizer", None) is not None]
            self._trainable_cache = (version, variables, constrained, regularized)
        return self._trainable_cache

    def _extra_losses(self):
        """Weight penalties and losses added during the last forward pass."""
        from cornu.layers.layer import Layer
        out = [loss for layer in Layer._pending_loss_layers for loss in layer._losses]
        out += [v.regularizer(v) for v in self._trainable_variables()[3]]
        return out

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """The total loss: the compiled loss(es) plus regularization and `add_loss` losses."""
        total, per_output = self._losses_of(y, y_pred, sample_weight)
        if len(per_output) > 1:
            self._track_output_losses(per_output, y_pred)
        return total

    def _losses_of(self, y, y_pred, sample_weight):
        """`(total, per_output)` losses, with no side effects (so it can be compiled)."""
        total, per_output = None, []
        if self._compile_loss is not None:
            if y is None:
                raise ValueError("The model was compiled with a loss, but no targets `y` were "
                                 "given.")
            total, per_output = self._compile_loss(y, y_pred, sample_weight)
        extra = self._extra_losses()
        if extra:
            device = _first_tensor(y_pred).device
            reg = torch.stack([torch.as_tensor(l, dtype=torch.float32, device=device).reshape(())
                               for l in extra]).sum()
            total = reg if total is None else total + reg
        if total is None:
            raise ValueError("No loss to optimize: compile the model with a `loss`, or add "
                             "losses in `call` with `self.add_loss()`.")
        return total, per_output

    def _track_output_losses(self, per_output, y_pred):
        if not self._output_loss_trackers:
            names = self._compile_loss.output_names
            self._output_loss_trackers = [MeanTracker(f"{n}_loss") for n, v in zip(names, per_output)
                                          if v is not None]
        n = _batch_size(y_pred)
        for tracker, value in zip(self._output_loss_trackers, [v for v in per_output if v is not None]):
            tracker.update(value, n)

    def _build_compiled(self, y, y_pred):
        if self._compile_loss is not None and not self._compile_loss.built and y is not None:
            self._compile_loss.build(y, y_pred)
        if not self._compile_metrics.built and y is not None:
            self._compile_metrics.build(y, y_pred, self._compile_loss)

    def train_step(self, data):
        """One optimization step on a batch `(x, y[, sample_weight])`; override to customize."""
        x, y, sample_weight = data_adapter.unpack_x_y_sample_weight(data)
        if self._jit is not None and self._jit.ready:
            y_pred, loss, per_output = self._jit.forward_and_loss(x, y, sample_weight)
            if len(per_output) > 1:
                self._track_output_losses(per_output, y_pred)
        else:
            y_pred = self(x, training=True)
            self._build_compiled(y, y_pred)
            loss = self.compute_loss(x, y, y_pred, sample_weight, training=True)
            if self._jit is not None:
                self._jit.ready = True  # the first step ran eagerly and built everything
        self._loss_tracker.update(loss, _batch_size(y_pred))
        self._apply_gradients(loss, _batch_size(y_pred))
        return self._update_metrics(x, y, y_pred, sample_weight)

    def _apply_gradients(self, loss, batch_size):
        _, variables, constrained, _ = self._trainable_variables()
        if not variables:
            warnings.warn("The model does not have any trainable weights.", stacklevel=2)
            return
        for v in variables:
            v.grad = None
        self.optimizer.scale_loss(loss).backward()
        data_parallel = distribution()
        if data_parallel is not None:
            data_parallel.all_reduce_gradients(variables, batch_size)
        self.optimizer.step(variables)
        if constrained:
            with torch.no_grad():
                for v in constrained:
                    v.copy_(v.constraint(v))

    def test_step(self, data):
        """One evaluation step on a batch; override to customize."""
        x, y, sample_weight = data_adapter.unpack_x_y_sample_weight(data)
        if self._jit is not None and self._jit.ready:
            y_pred = self._jit.inference(x)
        else:
            y_pred = self(x, training=False)
        self._build_compiled(y, y_pred)
        # As in Keras, a model overriding `compute_loss` has its loss evaluated too.
        if (self._compile_loss is not None or self._extra_losses()
                or type(self).compute_loss is not Trainer.compute_loss):
            loss = self.compute_loss(x, y, y_pred, sample_weight, training=False)
            self._loss_tracker.update(loss, _batch_size(y_pred))
        return self._update_metrics(x, y, y_pred, sample_weight)

    def predict_step(self, data):
        """The model's output for one batch; override to customize."""
        x, _, _ = data_adapter.unpack_x_y_sample_weight(data)
        if self._jit is not None and self._jit.ready:
            return self._jit.inference(x)
        return self(x, training=False)

    def _logs(self, step_output=None):
        if isinstance(step_output, dict):
            out = {}
            for key, value in step_output.items():  # nested dicts (compile_metrics) flattened
                out.update(value if isinstance(value, dict) else {key: value})
            return out
        out = {}
        for tracker in [self._loss_tracker] + self._output_loss_trackers:
            if tracker is not None and tracker.has_data:
                out[tracker.name] = tracker.result()
        if self._compile_metrics is not None:
            out.update(self._compile_metrics.results())
        for metric in self._logged_attribute_metrics():
            result = metric.result()
            out.update(result if isinstance(result, dict) else {metric.name: result})
        return dict(sorted(out.items()))

    # ------------------------------------------------------------------ fit

    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None,
            validation_split=0.0, validation_data=None, shuffle=True, class_weight=None,
            sample_weight=None, initial_epoch=0, steps_per_epoch=None, validation_steps=None,
            validation_batch_size=None, validation_freq=1):
        """Trains the model for `epochs` epochs and returns a `History`.

        Args:
            x: inputs: arrays / tensors (or a list / dict of them by input name), a
                `torch.utils.data` Dataset or DataLoader, a `cornu.utils.PyDataset`, or a
                generator of batches.
            y: targets, for array inputs.
            batch_size: samples per step (32 by default).
            epochs: number of epochs to train (up to and excluding `initial_epoch`).
            verbose: 0 silent, 1 progress bar, 2 one line per epoch; "auto" is 1.
            callbacks: list of `Callback`s.
            validation_split: fraction of the (array) data held out for validation, taken
                from the end before shuffling.
            validation_data: `(x_val, y_val[, sample_weight])` or a dataset.
            shuffle: shuffle the training arrays every epoch ("batch" shuffles batches); for
                a PyDataset, shuffle its batch order.
            class_weight: `{class_index: weight}` applied to the loss per sample.
            sample_weight: per-sample weights.
            initial_epoch: epoch to start from (to resume training).
            steps_per_epoch: batches per epoch (for generators, or to shorten epochs).
            validation_steps: batches per validation run.
            validation_batch_size: batch size for validation (defaults to `batch_size`).
            validation_freq: validate every this many epochs.
        """
        self._assert_compiled()
        if config.max_epochs() and config.max_epochs() < epochs:
            warnings.warn(f"Limiting epochs to {config.max_epochs()}", stacklevel=2)
            epochs = config.max_epochs()
        if validation_split and validation_data is None:
            (x, y, sample_weight), validation_data = data_adapter.train_validation_split(
                (x, y, sample_weight), validation_split)
        device = self._device()
        data_parallel = distribution()
        shard = generator = None
        if data_parallel is not None:
            shard = data_parallel.shard
            generator = torch.Generator().manual_seed(data_parallel.shared_seed())
        train = data_adapter.make_batches(x, y, sample_weight, batch_size, shuffle,
                                          steps_per_epoch, device, shard, generator,
                                          class_weight=class_weight)
        val = None
        if validation_data is not None:
            vx, vy, vsw = data_adapter.unpack_x_y_sample_weight(validation_data)
            val = data_adapter.make_batches(vx, vy, vsw, validation_batch_size or batch_size,
                                            False, validation_steps, device, shard, resume=False)
        if data_parallel is not None:
            self._build_for_data_parallel(train)
            data_parallel.broadcast_weights(self)
        verbose = 1 if verbose == "auto" else verbose
        if not is_chief():
            verbose = 0
        callbacks = CallbackList(callbacks, add_history=True, add_progbar=verbose != 0,
                                 model=self, verbose=verbose, epochs=epochs,
                                 steps=data_adapter.num_steps(train))
        batch_logs = callbacks.needs_batch_logs("train")
        self.stop_training = False
        callbacks.on_train_begin()
        resume_at, self._initial_epoch = getattr(self, "_initial_epoch", None), None
        initial_epoch = resume_at or initial_epoch  # set by BackupAndRestore to resume a run
        epoch_logs = {}
        for epoch in range(initial_epoch, epochs):
            self.reset_metrics()
            callbacks.on_epoch_begin(epoch)
            step = -1
            # Closing the epoch's iterator right away ends the epoch of a PyDataset.
            with contextlib.closing(iter(train)) as batches:
                for step, batch in enumerate(batches):
                    callbacks.on_train_batch_begin(step)
                    output = self.train_step(batch)
                    if batch_logs:
                        callbacks.on_train_batch_end(step, LazyLogs(self._logs, output))
                    if self.stop_training:
                        break
            if step < 0:
                raise ValueError("The training data produced no batches: is it empty?")
            epoch_logs = self._epoch_logs(output)
            if val is not None and (epoch + 1) % validation_freq == 0:
                val_logs = self._run_evaluation(val, callbacks)
                epoch_logs.update({f"val_{k}": v for k, v in val_logs.items()})
            callbacks.on_epoch_end(epoch, epoch_logs)
            if self.stop_training:
                break
        if getattr(self.optimizer, "built", False) and epochs > 0:
            # With `use_ema`, the model ends training with the averaged weights, as in Keras.
            self.optimizer.finalize_variable_values(self.optimizer._trainable_variables)
        callbacks.on_train_end(epoch_logs)
        return callbacks.history

    # ------------------------------------------------------------------ evaluate

    def _run_evaluation(self, batches, callbacks):
        self.reset_metrics()
        batch_logs = callbacks.needs_batch_logs("test")
        callbacks.on_test_begin()
        output = None
        with torch.no_grad(), contextlib.closing(iter(batches)) as epoch:
            for step, batch in enumerate(epoch):
                callbacks.on_test_batch_begin(step)
                output = self.test_step(batch)
                if batch_logs:
                    callbacks.on_test_batch_end(step, LazyLogs(self._logs, output))
        logs = self._epoch_logs(output)
        callbacks.on_test_end(logs)
        return logs

    def _epoch_logs(self, step_output):
        """Logs as Python floats; summed over processes in a data-parallel run."""
        data_parallel = distribution()
        if data_parallel is None or isinstance(step_output, dict):
            return materialize(self._logs(step_output))
        trackers = [t for t in [self._loss_tracker] + self._output_loss_trackers if t is not None]
        states = [v for m in self._compile_metrics.metrics for v in m.variables]
        saved_states = [v.detach().clone() for v in states]
        saved_trackers = [(t._total, t._count) for t in trackers]
        try:
            for t in trackers:
                pair = torch.stack([t.result() * t._count, torch.tensor(float(t._count))
                                    .to(t.result().device)])
                data_parallel.all_reduce_states([pair])
                t._total, t._count = pair[0], float(pair[1])
            with torch.no_grad():
                data_parallel.all_reduce_states([v.data for v in states])
            return materialize(self._logs(step_output))
        finally:
            with torch.no_grad():
                for v, saved in zip(states, saved_states):
                    v.copy_(saved)
            for t, (total, count) in zip(trackers, saved_trackers):
                t._total, t._count = total, count

    def _build_for_data_parallel(self, batches):
        if not self.weights:
            for batch in batches:
                with torch.no_grad():
                    self(data_adapter.unpack_x_y_sample_weight(batch)[0])
                break

    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None,
                 steps=None, callbacks=None, return_dict=False, **kwargs):
        """Returns the loss and metrics on the data: a scalar, a list, or a dict.

        Args:
            x: inputs (as for `fit`).
            y: targets.
            batch_size: samples per batch (32 by default).
            verbose: 0 silent, 1 progress bar, 2 one line.
            sample_weight: per-sample weights.
            steps: number of batches to evaluate.
            callbacks: list of `Callback`s.
            return_dict: return `{name: value}` instead of a list.
        """
        self._assert_compiled()
        data_parallel = distribution()
        batches = data_adapter.make_batches(x, y, sample_weight, batch_size, False, steps,
                                            self._device(),
                                            data_parallel.shard if data_parallel else None)
        verbose = 1 if verbose == "auto" else verbose
        if not is_chief():
            verbose = 0
        callbacks = CallbackList(callbacks, add_progbar=verbose != 0, model=self,
                                 verbose=verbose, epochs=1,
                                 steps=data_adapter.num_steps(batches))
        logs = self._run_evaluation(batches, callbacks)
        return self._format_batch_logs(logs, return_dict)

    # ------------------------------------------------------------------ predict

    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
        """The model's outputs for `x`, as NumPy arrays (a list / dict for several outputs).

        Args:
            x: inputs (as for `fit`).
            batch_size: samples per batch (32 by default).
            verbose: 0 silent, 1 progress bar.
            steps: number of batches to predict.
            callbacks: list of `Callback`s.
        """
        batches = data_adapter.make_batches(x, None, None, batch_size, False, steps, self._device())
        verbose = 1 if verbose == "auto" else verbose
        callbacks = CallbackList(callbacks, add_progbar=verbose != 0, model=self,
                                 verbose=verbose, epochs=1,
                                 steps=data_adapter.num_steps(batches))
        callbacks.on_predict_begin()
        outputs = []
        with torch.no_grad(), contextlib.closing(iter(batches)) as epoch:
            for step, batch in enumerate(epoch):
                callbacks.on_predict_batch_begin(step)
                outputs.append(self.predict_step(batch))
                callbacks.on_predict_batch_end(step, {"outputs": outputs[-1]})
        callbacks.on_predict_end()
        if not outputs:
            raise ValueError("`predict` received no data: the input produced no batches.")
        return _concat_to_numpy(outputs)

    # ------------------------------------------------------------------ on batch

    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None, return_dict=False):
        """Runs one training step on a single batch and returns its logs."""
        self._assert_compiled()
        if class_weight is not None:
            sample_weight = data_adapter.class_weight_to_sample_weight(y, class_weight)
        device = self._device()
        batch = tuple(data_adapter.structure_to_tensors(v, device) for v in (x, y, sample_weight)
                      if v is not None)
        self.reset_metrics()
        output = self.train_step(batch if y is not None else batch[:1])
        return self._format_batch_logs(materialize(self._logs(output)), return_dict)

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        """Evaluates one batch and returns its logs."""
        self._assert_compiled()
        device = self._device()
        batch = tuple(data_adapter.structure_to_tensors(v, device) for v in (x, y, sample_weight)
                      if v is not None)
        self.reset_metrics()
        with torch.no_grad():
            output = self.test_step(batch)
        return self._format_batch_logs(materialize(self._logs(output)), return_dict)

    def predict_on_batch(self, x):
        """The model's outputs for one batch, as NumPy arrays."""
        x = data_adapter.structure_to_tensors(x, self._device())
        with torch.no_grad():
            return _concat_to_numpy([self.predict_step((x,))])

    def _format_batch_logs(self, logs, return_dict):
        if return_dict:
            return logs
        names = self.metrics_names
        ordered = [logs[n] for n in names if n in logs] + [v for k, v in logs.items() if k not in names]
        return ordered[0] if len(ordered) == 1 else ordered


def _first_tensor(structure):
    for t in tree.flatten(structure):
        if isinstance(t, torch.Tensor):
            return t
    raise ValueError("The model produced no tensor output.")


def _batch_size(y_pred):
    t = _first_tensor(y_pred)
    return t.shape[0] if t.dim() else 1


def _concat_to_numpy(batches):
    first = batches[0]
    if isinstance(first, torch.Tensor):
        return tensor_to_numpy(torch.cat([b.detach() for b in batches]))
    flat = [tree.flatten(b) for b in batches]
    joined = [tensor_to_numpy(torch.cat([f[i].detach() for f in flat]))
              for i in range(len(flat[0]))]
    return tree.pack_as(first, joined) if not isinstance(first, tuple) else list(
        tree.pack_as(list(first), joined))

