"""Paying fees online (issue 15): payment orders a company makes for the fees of its permits
(``orders``), the processor's settlement file that pays them (``settlement``), and their read
models (``views``). No card data ever reaches the portal: the city's processor takes the
money on its own hosted page; the portal only learns, from the settlement file, that an
order was paid."""
