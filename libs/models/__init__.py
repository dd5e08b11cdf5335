"""The model registry and the one way to get a verified model file path: `resolve(name, settings)`."""

from libs.models.fetch import default_cache_dir, resolve
from libs.models.registry import MODELS, ModelSpec

__all__ = ["MODELS", "ModelSpec", "default_cache_dir", "resolve"]
