"""The public API the vocabulary, docs and mutation tests walk: what every public module of
crmkit (no ``_`` in its dotted name) names in its ``__all__``."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator

import crmkit


def public_exports() -> Iterator:
    """Each object of each public module's ``__all__`` (one re-exported twice comes twice)."""
    for mod in pkgutil.walk_packages(crmkit.__path__, "crmkit."):
        if any(p.startswith("_") for p in mod.name.split(".")[1:]):
            continue
        module = importlib.import_module(mod.name)
        for attr in getattr(module, "__all__", []):
            yield getattr(module, attr, None)
