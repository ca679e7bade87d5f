"""Benchmarks of the synth, the functions and the local deployment (`make bench`)."""
