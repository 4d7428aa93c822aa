"""Fleets of captures: `batch` analyses many captures, in a local process pool or on a Dask cluster, into one
versioned Parquet dataset (docs/dataset.md) that DuckDB, pyarrow.dataset, Spark and Trino read.

`tables` holds the dataset's schema, `dataset` its layout on disk and the functions that read it back
(`table_paths`, `read_table`), `job` the work done for one capture, `batch` a whole run.
"""
