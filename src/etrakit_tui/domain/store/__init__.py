"""Where the data lives: the tables (``models``), the engine, sessions and the one
unit-of-work helper (``db``), schema migrations (``schema``, ``migrations/``), the row locks
of a change (``locks``) and the address index's names (``addressindex``)."""
