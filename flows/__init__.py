"""Orchestration: the Prefect flows and the ``digestlake`` command line that wire the layers."""
