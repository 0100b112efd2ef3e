"""Local fakes for the tests: every one listens on 127.0.0.1, port 0."""
