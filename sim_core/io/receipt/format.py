"""The receipt format's constants, shared by the writer, the reader and the finder."""

RECEIPT_FORMAT = 1
#: Key of the receipt in PNG text chunks and Parquet schema metadata.
RECEIPT_KEY = "seedsoil-receipt"
SIDECAR_SUFFIX = ".receipt.toml"
#: A receipt of an hour of live play is a few kB; anything past this is not one.
MAX_RECEIPT_BYTES = 8 << 20
RNG_SCHEME = "splitmix64 keyed by (seed, stream, step, counter)"
#: History entries kept before recording stops (equal steps share one entry, so this is days of live
#: play); past it the receipt says ``replayable = false`` instead of memory growing without bound.
MAX_HISTORY = 100_000
