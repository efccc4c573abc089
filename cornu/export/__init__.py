"""Keras's `keras.export`: `ExportArchive`, and the writers behind `Model.export`.

`model.export(path, format="onnx")` writes an ONNX file (`onnx.py`) and
`format="torch"` a PyTorch ExportedProgram (`torch.py`); TensorFlow SavedModels
(`ExportArchive`, `format="tf_saved_model"`) need TensorFlow, which cornu does not use, and
raise an error pointing at ONNX (`saved_model.py`, `model_export.py`).
"""

from cornu.export.saved_model import ExportArchive

__all__ = ["ExportArchive"]
