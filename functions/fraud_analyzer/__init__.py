"""Fraud analyzer: scores new transactions from the table's stream and queues the suspicious ones."""
