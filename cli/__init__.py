"""`visage`: the command line. Commands that work on the stores directly (keys) need no running platform."""
