"""etrakit-tui: a terminal re-creation of a city's eTRAKiT contractor portal."""

__version__ = "0.1.0"
