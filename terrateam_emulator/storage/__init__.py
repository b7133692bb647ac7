"""Storage: the SQLAlchemy engine, the shared schema metadata, migrations, jsonb rendering."""
