"""Edge: evaluation past one machine. :mod:`.core` turns interchange tables into rows and keys,
runs the book plan as Arrow joins (the reference) and evaluates one user's book; the Spark and
Dask runners run the same plan as their engine's joins. pyarrow is imported on first use (the
``frames`` extra); each engine only by its runner.
"""
