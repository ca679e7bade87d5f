"""Report generator: the daily fraud report of the previous UTC day, as JSON and CSV in S3."""
