"""Bundles for map's default chunksize: many small calls in one engine item, pickled as
one list, so that a no-op call costs a list element rather than an engine item (what
multiprocessing.Pool.map's default chunksize does). The engine's auto policy then sizes
chunks of bundles from measured times."""
import socket

from . import _session, _wire

# Bundles per rank: enough for the engine to balance uneven calls (the last bundle is
# about 1/64 of a rank's share), few enough that per-bundle costs vanish.
BUNDLES_PER_RANK = 64


def bundle_size(count, ranks):
    return max(1, -(-count // (BUNDLES_PER_RANK * ranks)))


def run_bundle(fn, calls, star):
    """(rank, host, values, failures): a call's exception is its own entry in failures
    ({position: (type, message)}, its value None), not the bundle's."""
    values = []
    failures = {}
    for call in calls:
        try:
            values.append(fn(*call) if star else fn(call))
        except BaseException as exc:  # noqa: B902 - as _wire.run_item
            failures[len(values)] = (_wire.qualified_name(type(exc)), _wire.dump_failure(exc))
            values.append(None)
    return _session.get().rank, socket.gethostname(), values, failures
