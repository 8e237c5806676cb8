"""Extract: read digest files and URLs, note vaults (folders or git repositories), arXiv."""
