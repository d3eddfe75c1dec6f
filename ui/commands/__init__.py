"""The ``itb-console`` subcommands, one module per family, none of them loading Qt."""
