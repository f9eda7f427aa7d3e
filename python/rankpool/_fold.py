"""map_reduce's task: a group of items folded where it ran, so that only one partial per
group travels back to rank 0."""
import functools


def fold_group(fn, combine, group):
    return functools.reduce(combine, map(fn, group))


def group_size(count, ranks, chunksize):
    """Items per group: chunksize when given, else about eight groups per rank (enough for
    the engine to balance, few enough that rank 0 folds little)."""
    if chunksize != "auto":
        return max(1, int(chunksize))
    return max(1, -(-count // (8 * ranks)))
