"""The demo city (SPEC §5) and ``demo-data``'s bulk permits for the benchmarks.

Beside the domain, never in it: it writes the domain's tables and calls the domain's public
services and names only (tests/unit/test_architecture.py checks the names, import-linter the
floors). ``rows`` holds the row makers the demo and the bulk generator share."""
