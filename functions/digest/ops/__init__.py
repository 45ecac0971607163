"""Operating a deployed (or local) stack: checks before the first Friday and after."""
