"""The Elasticsearch read model: index template, alias management, bulk projector, queries."""
