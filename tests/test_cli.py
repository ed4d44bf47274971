"""``crmkit generate`` from the command line."""

from __future__ import annotations

import subprocess
import sys

import pytest

from crmkit.cli import main
from crmkit.io import MARKET_TABLES, load_market


def test_generate_writes_a_market(tmp_path):
    out = tmp_path / "m"
    code = main(["generate", "--sector", "insurance", "--customers", "300", "--years", "2",
                 "--seed", "7", "--out", str(out), "--quiet"])
    assert code == 0
    for name in MARKET_TABLES:
        assert (out / f"{name}.parquet").exists()
    assert (out / "market.duckdb").exists()
    m = load_market(out)
    assert len(m.customers) == 300
    assert set(m.customers.sector.astype(str)) == {"insurance"}
    assert set(m.products.sector.astype(str)) == {"insurance"}


@pytest.mark.parametrize("args, message", [
    (["--customers", "-5"], "customers must be a positive integer"),
    (["--years", "0"], "years must be a positive integer"),
    (["--sector", "retail"], "sector must be one of"),
    (["--seed", "1.5"], "expected an integer"),
    (["--customers", "ten"], "expected an integer"),
])
def test_bad_arguments_exit_2_and_write_nothing(tmp_path, capsys, args, message):
    out = tmp_path / "m"
    with pytest.raises(SystemExit) as err:
        main(["generate", "--out", str(out), "--quiet", *args])
    assert err.value.code == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_console_script_shows_a_progress_bar(tmp_path):
    out = tmp_path / "m"
    done = subprocess.run([sys.executable, "-m", "crmkit.cli", "generate", "--customers", "200",
                           "--years", "1", "--seed", "1", "--out", str(out), "--no-duckdb"],
                          capture_output=True, text=True, check=True)
    assert "generating" in done.stderr and "100%" in done.stderr
    assert (out / "customers.parquet").exists()
    assert not (out / "market.duckdb").exists()


def test_data_builds_the_sample_where_crmkit_data_points(tmp_path, monkeypatch, capsys):
    # `crmkit data` and `python -m crmkit.datasets` are one command, parsed in crmkit.cli
    from crmkit import datasets

    monkeypatch.setenv("CRMKIT_DATA", str(tmp_path))
    assert datasets.main(["--sample"]) == 0
    assert (tmp_path / "sample" / "customers.parquet").exists()
    assert f"dataset ready in {tmp_path / 'sample'}" in capsys.readouterr().out
    assert len(datasets.load_sample(tables=["customers"]).customers) == 500
    with pytest.raises(SystemExit) as err:
        datasets.main(["--smaple"])
    assert err.value.code == 2
    assert "unrecognized arguments: --smaple" in capsys.readouterr().err


def test_command_line_parsing_lives_in_cli_only():
    import ast
    from pathlib import Path

    import crmkit

    root = Path(crmkit.__file__).parent
    parsing = sorted(
        str(path.relative_to(root)) for path in root.rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Import | ast.ImportFrom)
        and any((a.name if isinstance(node, ast.Import) else node.module or "") == "argparse"
                for a in node.names))
    assert parsing == ["cli.py"]
