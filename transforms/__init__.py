"""Pure functions: parse digest text and notes, normalise fields, merge tables. No I/O."""
