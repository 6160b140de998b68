"""SafePerson: the application layer (settings, wiring, CLI) and the domain services."""
