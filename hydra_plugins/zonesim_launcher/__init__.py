"""zonesim's Hydra launcher: joblib's, restarting the sweep's jobs when a worker dies."""
