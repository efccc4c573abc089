"""`cornu.models`: Model, Sequential, and loading / cloning helpers."""

from cornu.models.model import Model  # noqa: F401
from cornu.models.functional import Functional  # noqa: F401
from cornu.models.sequential import Sequential  # noqa: F401
from cornu.models.cloning import clone_model  # noqa: F401
from cornu.saving.saving_api import load_model, model_from_json, save_model  # noqa: F401
