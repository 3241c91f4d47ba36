"""Queue rules as plain functions over a repository: no web, no sockets, no clock."""
