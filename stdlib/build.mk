# stdlib/: the built-in functions.
