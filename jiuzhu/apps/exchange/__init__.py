"""Data exchange with departments, Django side (issue 4): batches, records, the assistance chain."""
