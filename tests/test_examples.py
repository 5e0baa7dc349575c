"""Every example script still imports against the package as it is now, and every example config is valid."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from neuprog.lang.ops import BUILTINS
from neuprog.model.config import load_config

EXAMPLES = sorted((Path(__file__).parent.parent / "examples").glob("*.py"))
CONFIGS = sorted((Path(__file__).parent.parent / "examples" / "configs").glob("*.json"))


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_example_script_imports_without_running(path):
    spec = importlib.util.spec_from_file_location(f"example_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # each script runs only under __main__
    assert callable(getattr(module, "main", None)), f"{path.name} has no main()"


@pytest.mark.parametrize("path", CONFIGS, ids=[p.name for p in CONFIGS])
def test_example_config_is_valid_and_names_only_registered_ops(path):
    config = load_config(path)
    assert set(config.model.ops) <= set(BUILTINS.names), path.name
