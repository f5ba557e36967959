"""Use cases: one function per command. Load, check who may act, apply the domain, save once."""
