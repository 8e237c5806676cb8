"""Table schemas, atomic reads and writes of the Parquet lake."""
