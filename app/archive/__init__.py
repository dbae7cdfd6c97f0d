"""The archive: what closed assemblies decided, searchable and permanent.

Read-only over the facts (proposals, versions, amendments, rounds, notes); its one table,
`archive_entry`, and the full-text index over it are derived data, filled when an assembly
closes and rebuildable from the tables at any time (`app.archive.index.rebuild`).
"""
