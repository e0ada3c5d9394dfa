"""The local runtime: the cloud definition executed on one machine, with no cloud at all."""
