"""Pooling layers: windowed, global and adaptive max/average pooling, in 1D, 2D and 3D."""

from cornu.layers.pooling.adaptive_pooling import (AdaptiveAveragePooling1D,
                                                   AdaptiveAveragePooling2D,
                                                   AdaptiveAveragePooling3D, AdaptiveMaxPooling1D,
                                                   AdaptiveMaxPooling2D, AdaptiveMaxPooling3D)
from cornu.layers.pooling.average_pooling import (AveragePooling1D, AveragePooling2D,
                                                  AveragePooling3D)
from cornu.layers.pooling.global_average_pooling import (GlobalAveragePooling1D,
                                                         GlobalAveragePooling2D,
                                                         GlobalAveragePooling3D)
from cornu.layers.pooling.global_max_pooling import (GlobalMaxPooling1D, GlobalMaxPooling2D,
                                                     GlobalMaxPooling3D)
from cornu.layers.pooling.max_pooling import MaxPooling1D, MaxPooling2D, MaxPooling3D

# Keras's aliases.
MaxPool1D = MaxPooling1D
MaxPool2D = MaxPooling2D
MaxPool3D = MaxPooling3D
AvgPool1D = AveragePooling1D
AvgPool2D = AveragePooling2D
AvgPool3D = AveragePooling3D
GlobalMaxPool1D = GlobalMaxPooling1D
GlobalMaxPool2D = GlobalMaxPooling2D
GlobalMaxPool3D = GlobalMaxPooling3D
GlobalAvgPool1D = GlobalAveragePooling1D
GlobalAvgPool2D = GlobalAveragePooling2D
GlobalAvgPool3D = GlobalAveragePooling3D

__all__ = [
    "MaxPooling1D", "MaxPooling2D", "MaxPooling3D", "AveragePooling1D", "AveragePooling2D",
    "AveragePooling3D", "GlobalMaxPooling1D", "GlobalMaxPooling2D", "GlobalMaxPooling3D",
    "GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalAveragePooling3D",
    "MaxPool1D", "MaxPool2D", "MaxPool3D", "AvgPool1D", "AvgPool2D", "AvgPool3D",
    "GlobalMaxPool1D", "GlobalMaxPool2D", "GlobalMaxPool3D", "GlobalAvgPool1D",
    "GlobalAvgPool2D", "GlobalAvgPool3D", "AdaptiveAveragePooling1D", "AdaptiveAveragePooling2D",
    "AdaptiveAveragePooling3D", "AdaptiveMaxPooling1D", "AdaptiveMaxPooling2D",
    "AdaptiveMaxPooling3D",
]
