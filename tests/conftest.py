"""Shared fixtures. The identity provider and sandbox fixtures live beside their targets."""

pytest_plugins = ["tests.idp.fixtures", "tests.sandbox_fixtures"]
