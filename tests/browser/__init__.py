"""Browser tests: the real app served over HTTP, driven by real Chromium (Playwright)."""
