"""Paper ids and where a paper's metadata came from: the words every layer uses for them."""

PROVISIONAL_PREFIX = "dl:"  # a paper known only from digests, until its arXiv id is found
API_SOURCE = "arxiv"  # metadata from arXiv's API or OAI-PMH: the freshest there is
SNAPSHOT_SOURCE = "arxiv-snapshot"  # metadata from the Kaggle bulk snapshot
LISTING_SOURCE = "arxiv-listing"  # metadata from an arXiv category listing (RSS / Atom)
# papers whose metadata came from arXiv itself
ARXIV_SOURCES = (API_SOURCE, SNAPSHOT_SOURCE, LISTING_SOURCE)
