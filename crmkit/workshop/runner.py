"""Running a workshop notebook with papermill and exporting the client's HTML report."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

__all__ = ["NOTEBOOK_DIR", "WORKSHOPS", "CLIENT_HIDDEN_TAGS", "WorkshopRun", "run", "export_html"]

NOTEBOOK_DIR = Path(__file__).resolve().parents[2] / "notebooks" / "workshops"
WORKSHOPS = {"value-audit": "value_audit.ipynb", "segmentation": "segmentation.ipynb"}
# cells the client's report leaves out: the closing checks, and the consultant's notes
CLIENT_HIDDEN_TAGS = ("remove-cell", "consultant")


@dataclass
class WorkshopRun:
    """Result of :func:`run`: the report, the executed notebook and the run time."""

    html: Path
    notebook: Path
    seconds: float


_REPORT_TEMPLATE = """{%- extends 'lab/index.html.j2' -%}
{#- no script fetched from the network: the report must open offline -#}
{%- block html_head_js_requirejs -%}{%- endblock html_head_js_requirejs -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}
{%- block extra_css -%}
<style type="text/css">
  body.jp-Notebook { max-width: 1050px; margin: 0 auto; padding: 1.5em 2em; }
  .jp-OutputArea-output table { font-size: 0.9em; }
  @media print { body.jp-Notebook { max-width: none; padding: 0; } }
</style>
{%- endblock extra_css -%}
"""


def export_html(notebook, out) -> Path:
    """Write an executed notebook as a self-contained HTML report, code hidden.

    Inputs, prompts, cells tagged ``remove-cell`` (the closing checks) or ``consultant``
    (parameters to set, notes for the consultant) and error/stderr streams are left out;
    figures are embedded as data URIs; no script or stylesheet is loaded from the network.

    Parameters
    ----------
    notebook : str, Path or nbformat.NotebookNode
        The executed notebook (a file or a notebook in memory).
    out : str or Path
        The HTML file to write (its folder is created).

    Returns
    -------
    Path
        ``out``. The page's title is the report's first Markdown heading.

    Examples
    --------
    >>> import tempfile, pathlib, nbformat
    >>> from nbformat.v4 import new_code_cell, new_notebook, new_output
    >>> def cell(source, shown, tags=()):
    ...     return new_code_cell(source, metadata={"tags": list(tags)}, outputs=[new_output(
    ...         "display_data", {"text/markdown": shown})])
    >>> nb = new_notebook(cells=[cell("show('title')", "# Value audit"),
    ...                          cell("hint()", "set retention=", tags=["consultant"]),
    ...                          cell("assert ok", "closing check", tags=["remove-cell"])])
    >>> out = export_html(nb, pathlib.Path(tempfile.mkdtemp()) / "report.html")
    >>> html = out.read_text()
    >>> "<title>Value audit</title>" in html, "show(" in html  # results, not code
    (True, False)
    >>> "set retention=" in html, "closing check" in html, 'src="http' in html
    (False, False, False)
    """
    import nbformat
    from jinja2 import DictLoader
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor

    nb = notebook if isinstance(notebook, nbformat.NotebookNode) else nbformat.read(
        str(notebook), as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            # a client report shows results, not Python's warnings
            cell.outputs = [o for o in cell.outputs
                            if not (o.output_type == "stream" and o.name == "stderr")]
    exporter = HTMLExporter(
        extra_loaders=[DictLoader({"crmkit_report.html.j2": _REPORT_TEMPLATE})],
        template_file="crmkit_report.html.j2",
        exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True,
        embed_images=True,
    )
    title = _report_title(nb)
    if title:
        nb.metadata["title"] = title  # the page's <title>, in the report's language
    remove = TagRemovePreprocessor(remove_cell_tags=CLIENT_HIDDEN_TAGS,
                                   remove_input_tags=("parameters", "injected-parameters"))
    exporter.register_preprocessor(remove, enabled=True)
    body, _ = exporter.from_notebook_node(nb)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(body, encoding="utf-8")
    return out


def _report_title(nb) -> str | None:
    """The report's first Markdown heading (``# ...``) among the cells' outputs."""
    for cell in nb.cells:
        for out in cell.get("outputs", []) if cell.cell_type == "code" else []:
            text = out.get("data", {}).get("text/markdown", "")
            if isinstance(text, list):
                text = "".join(text)
            for line in text.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return None


def _notebook(workshop: str) -> Path:
    if workshop not in WORKSHOPS:
        raise ValueError(f"unknown workshop {workshop!r}; choose one of {sorted(WORKSHOPS)}")
    path = NOTEBOOK_DIR / WORKSHOPS[workshop]
    if not path.exists():
        # the notebooks live in the repository, not in an installed wheel
        raise FileNotFoundError(
            f"{path}: the workshop notebooks come with the crmkit repository "
            "(notebooks/workshops/); run crmkit from a clone installed with `pip install -e .`")
    return path


def run(workshop: str, out, *, data_dir=None, parameters: dict | None = None,
        kernel_name: str | None = None, progress: bool = False) -> WorkshopRun:
    """Execute a workshop notebook with papermill on ``data_dir`` and export its report.

    Parameters
    ----------
    workshop : {"value-audit", "segmentation"}
        The workshop notebook of ``notebooks/workshops/`` to run.
    out : str or Path
        The HTML report; the executed notebook is written beside it (``.ipynb``) for the
        consultant (it shows the code).
    data_dir : path, optional
        A folder written by ``crmkit import``; None runs on the course market.
    parameters : dict, optional
        Other notebook parameters (``client``, ``as_of``, ``months``, ``language``,
        ``currency``...).
    kernel_name : str, optional
        Jupyter kernel (default: the notebook's).
    progress : bool, default False
        Show papermill's progress bar.

    Returns
    -------
    WorkshopRun
        The report (``html``), the executed notebook (``notebook``) and the run time in
        ``seconds``.

    Raises
    ------
    ValueError
        An unknown workshop.
    FileNotFoundError
        ``data_dir`` holds no tables, or the notebooks are not there (an installed wheel).

    Examples
    --------
    The segmentation workshop on the shipped sample market (about 30 s):

    >>> import tempfile, pathlib
    >>> from crmkit.datasets import market_path
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "segmentation.html"
    >>> r = run("segmentation", out, data_dir=market_path("sample"))
    >>> r.html == out.resolve(), r.notebook.suffix
    (True, '.ipynb')
    >>> html = r.html.read_text()
    >>> "<title>Segmentation workshop</title>" in html, 'src="http' in html
    (True, False)
    >>> run("audit", out)
    Traceback (most recent call last):
    ...
    ValueError: unknown workshop 'audit'; choose one of ['segmentation', 'value-audit']
    """
    import papermill

    src = _notebook(workshop)
    params = dict(parameters or {})
    if data_dir is not None:
        data_dir = Path(data_dir).resolve()
        if not (data_dir / "customers.parquet").exists() and not any(data_dir.glob("*.parquet")):
            raise FileNotFoundError(f"{data_dir}: no imported tables (run `crmkit import` first)")
        params["data_dir"] = str(data_dir)
    out = Path(out).resolve()
    executed = out.with_suffix(".ipynb")
    executed.parent.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    papermill.execute_notebook(str(src), str(executed), parameters=params,
                               kernel_name=kernel_name, progress_bar=progress,
                               cwd=str(src.parent))
    seconds = time.perf_counter() - t0
    export_html(executed, out)
    return WorkshopRun(out, executed, seconds)
