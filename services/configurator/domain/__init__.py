"""The configurator service's domain around the pure catalogue: versioned catalogue
aggregates, one configuration per order, and how an order's lines are planned together."""
