"""The scheduling domain: capacity, planning pool, progress, plans; pure, no I/O."""
