"""Paper ids and where a paper's metadata came from: the words every layer uses for them."""

PROVISIONAL_PREFIX = "dl:"  # a paper known only from digests, until its arXiv id is found
SNAPSHOT_SOURCE = "arxiv-snapshot"  # metadata from the Kaggle bulk snapshot
ARXIV_SOURCES = ("arxiv", SNAPSHOT_SOURCE)  # papers whose metadata came from arXiv itself
