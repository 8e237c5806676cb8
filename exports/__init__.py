"""Publish: BibTeX/biblatex, JSONL with a dataset card, RSS/Atom feeds per tag and OPML."""
