"""Device sockets: hello, snapshot, deltas in `seq` order, commands, and the fanout behind them."""
