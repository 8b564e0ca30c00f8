"""The settlement writer: every gold move is a plan applied by one unit of work (a request is a group of one)."""
