"""Inspections: the scheduling calendar, slot capacity, requests, cancellation, the daily
assignment and the inspector's route, and results. Read models in ``views``."""
