"""`python -m vankien …` runs the command line."""
from vankien.cli import main

main()
