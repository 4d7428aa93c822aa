"""`python -m analyzer` runs the command line."""

from analyzer.cli import main

if __name__ == "__main__":  # not when a spawned process (a Dask worker's) imports the main module again
    main()
