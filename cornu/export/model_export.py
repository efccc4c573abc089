"""`Model.export`: chooses the writer for Keras's export formats.

cornu writes ONNX (`export_onnx`) and PyTorch ExportedPrograms (`export_torch`). Keras's
other formats need a runtime that is not a dependency of cornu (TensorFlow for SavedModel
and LiteRT, OpenVINO for its IR); asking for them raises an error saying so and pointing at
ONNX, which those runtimes' converters read.
"""

AVAILABLE_FORMATS = ("tf_saved_model", "onnx", "openvino", "litert", "torch")

_UNAVAILABLE = {
    "openvino": (
        "OpenVINO IR export needs the `openvino` package, which is not a dependency of cornu, "
        "and cornu does not write OpenVINO IR. Export as ONNX instead with "
        "`model.export(filepath, format='onnx')`: OpenVINO reads ONNX files directly "
        "(`openvino.convert_model('model.onnx')`, or `ovc model.onnx` for IR files)."),
    "litert": (
        "LiteRT (TFLite) export needs TensorFlow or `litert-torch`, which are not "
        "dependencies of cornu, and cornu does not write LiteRT files. Export as ONNX instead "
        "with `model.export(filepath, format='onnx')`."),
}


def export_model(model, filepath, format="tf_saved_model", verbose=None, input_signature=None,
                 **kwargs):
    """Writes `model` for inference in `format`; see `Model.export`."""
    if format not in AVAILABLE_FORMATS:
        raise ValueError(f"Unrecognized format={format}. Supported formats are: "
                         f"{list(AVAILABLE_FORMATS)}.")
    if format == "onnx":
        from cornu.export.onnx import export_onnx
        return export_onnx(model, filepath, verbose, input_signature=input_signature, **kwargs)
    if format == "torch":
        from cornu.export.torch import export_torch
        return export_torch(model, filepath, input_signature=input_signature, verbose=verbose,
                            **kwargs)
    if format == "tf_saved_model":
        from cornu.export.saved_model import export_saved_model
        return export_saved_model(model, filepath, verbose, input_signature=input_signature,
                                  **kwargs)
    raise NotImplementedError(f"format='{format}': {_UNAVAILABLE[format]}")
