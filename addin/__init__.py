"""jpflows engine: official Japanese cross-border flow, yield and index data, cached and queryable.

Nothing in this package knows about Excel; ``udfs`` is the spreadsheet face and ``addin.cli`` the
command-line face, both built on :mod:`addin.api`.
"""

__version__ = "0.1.0"
