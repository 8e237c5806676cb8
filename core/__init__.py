"""The bottom layer: what every other layer may import. Table specs, the words for paper ids,
and ``Location``, the one way digestlake reads and writes files (local or fsspec URL)."""
