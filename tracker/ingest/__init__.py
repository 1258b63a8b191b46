"""Readers that turn input files of every supported format into canonical comment records."""
