"""Offline fraud-detection work: simulated data, feature building, training, the backtest and its metrics."""
