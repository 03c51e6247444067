"""Makes `tests` a package, so `from tests.fakes import ...` works under plain `pytest` too
(pytest then puts the repository root on sys.path), not only under `python -m pytest`."""
