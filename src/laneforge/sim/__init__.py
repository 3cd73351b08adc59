"""The SimPy engine: compile a process once, run replications, collect results."""
