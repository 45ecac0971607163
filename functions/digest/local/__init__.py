"""Local-only tooling for the CLI and the tests (template reading, the local stack); not used by the handlers."""
