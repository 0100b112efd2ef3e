"""Chat platform adapters and the composition root (the `sourcecheck` command)."""
