"""The trading node: owns the clock, bus, store, cache, venues and the components on them."""
