"""`cornu.preprocessing.sequence`: Keras's `keras.preprocessing.sequence.pad_sequences`."""

from cornu.utils.sequence_utils import pad_sequences  # noqa: F401
