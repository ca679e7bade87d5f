"""Notifier: turns fraud-queue messages into alerts on the SNS alert topic, once per transaction."""
