# tests/: integration tests, fuzz driver, lint.
