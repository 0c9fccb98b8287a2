"""The configurator service: a versioned catalogue, and every order turned into something a
factory can build (spec, panels, nested cut list, routing, price, packages).

Decisions, briefly:
- Catalogue versions are immutable aggregates (`CatalogueVersion`, id uuid5 of the number)
  with a `CatalogueIndex` naming the latest; both are saved together, so concurrent publishers
  cannot both become version n. The seed catalogue is version 1, published on first start.
- A placed order is configured with the latest version; an amendment keeps the version of
  the order's first successful configuration (the price basis a customer agreed to does not
  shift under an amendment). A never-configured (rejected) order is retried on the latest.
- Events keep what other services need (routing, price, nesting summary, packages) and the
  line requests with the pinned version and nesting method; panels, cutting diagrams, cut
  lists and labels are recomputed deterministically from those on GetOrderConfiguration.
- A what-if `Configure` nests quickly (one guillotine variant, milliseconds); an order is
  nested with every variant (often a board less) unless it has more than 400 parts. The
  variants are scored by a compiled kernel (`catalogue/guillotine_jit.py`, numba) and only
  the winner is built in Python: 50 → 7 ms per demo order, the same layouts.
"""
