"""The service layer: the use cases that pipelines, the CLI and rebuilds call."""
