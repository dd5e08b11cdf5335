"""SQL of identification, one module per table family; functions take a `Database` (or a transaction)."""
