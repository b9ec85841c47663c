// Target discovery (filled in by the discovery work).
