"""Trained model weights shipped with the package (built by `make train`)."""
