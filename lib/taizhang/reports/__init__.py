"""Reports as specifications.

* :mod:`.specs` — the registry of report specs (name, CLI key, titles, parameters with Chinese help,
  sections, formats, output folder, file stem, index title). Notebooks (``tools/make_notebooks.py``),
  parameter checks (:func:`taizhang.report.check_parameters`), ``taizhang run --report`` and the output
  paths and titles (:class:`taizhang.render.Job`) all derive from it.
* :mod:`.blocks` — what a section returns: frozen blocks (:class:`~.blocks.TableSpec`, tiles, notices,
  headers, a chart with its ranking, the footer), built once and rendered per output.
* :mod:`.html` — the one HTML renderer (Jinja2 templates under ``taizhang/templates/``, autoescaped).
* :mod:`.navigation` — on screen: each report's table of contents and the links between the index and the
  reports (the phone layout itself is the "phone / screen" block of ``report.css``).

The Excel writer of the same table specs is :func:`taizhang.excel.write_table`; the report builders whose
sections return blocks are in :mod:`taizhang.report`; the table specs of the ledger in :mod:`taizhang.ledger`.
This package imports nothing heavy at import time.
"""
