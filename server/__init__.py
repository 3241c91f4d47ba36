"""The central queue engine: storage, rules, REST API and device sockets."""
