"""Permits: who may see which (``access``), the city's catalog, the dashboard's lists, the
permit detail and its attachments, plan reviews, search, fees, and issuing new permits.
Read models in ``views``."""
