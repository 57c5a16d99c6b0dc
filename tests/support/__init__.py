"""Support code for the tests: servers and fixtures that runtime code never imports."""
