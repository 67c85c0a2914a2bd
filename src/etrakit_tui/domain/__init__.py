"""The domain: the portal's tables and its business rules, by concept.

``store`` (tables, engine, migrations), ``accounts``, ``permits``, ``inspections``,
``notify``, plus ``audit``, ``errors`` and ``validation``. Services take an ``Actor`` and
return plain read models (frozen dataclasses in each concept's ``views``). Never imports
textual, rich, the screens, the SSH service, the command line or the demo city (the
import-linter contracts in ``pyproject.toml`` keep it so).
"""
