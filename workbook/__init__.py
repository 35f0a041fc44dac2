"""The shareable workbook: the template builder, its entry module, snapshots and installation.

``workbook.build`` writes ``jpflows_template.xlsm`` from the plain data in ``workbook.layout``;
``jpflows_template.py`` is the module its buttons run; ``workbook.snapshot`` saves a values-only
copy with a Provenance sheet; ``workbook.install`` sets up xlwings for the current user.
"""
