"""`python -m casino_club` runs the CLI."""

from casino_club.cli import main

main()
