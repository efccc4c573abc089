"""Knowledge distillation (Keras's `keras.distillation`): a `Distiller` model and the losses
that compare a teacher's outputs or features with a student's."""

from cornu.distillation.distillation_loss import (  # noqa: F401
    DistillationLoss, FeatureDistillation, LogitsDistillation)
from cornu.distillation.distiller import Distiller  # noqa: F401
