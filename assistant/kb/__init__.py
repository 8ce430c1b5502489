"""Knowledge base: schema, YAML loader, SQLAlchemy models, repositories, opening hours."""
