"""Constants shared by fixtures and subprocess servers."""

TEST_SECRET = "test-secret-key-that-is-long-enough-0123456789"
