"""The domain: SQLModel tables and services. Never imports textual or rich."""
