"""Browser tests (Playwright + Debian Chromium); a package so that its conftest does not shadow tests/conftest.py."""
