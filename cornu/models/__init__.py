"""`cornu.models`: Model, Sequential, and loading / cloning helpers."""

from cornu.models.model import Model  # noqa: F401
from cornu.models.functional import Functional  # noqa: F401
from cornu.models.sequential import Sequential  # noqa: F401
