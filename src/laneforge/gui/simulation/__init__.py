"""Simulation in the app: runs off the UI thread, results, scenarios, sweeps and replays."""
