"""rankpool.Pool: the part of multiprocessing.Pool that scripts use, on rankpool.Executor."""
import concurrent.futures
import multiprocessing
import threading

from .executor import Executor


class AsyncResult:
    """multiprocessing's AsyncResult over a concurrent.futures.Future."""

    def __init__(self, future, callback=None, error_callback=None):
        self._future = future
        if callback or error_callback:
            future.add_done_callback(lambda f: _notify(f, callback, error_callback))

    def get(self, timeout=None):
        try:
            return self._future.result(timeout)
        except concurrent.futures.TimeoutError:
            raise multiprocessing.TimeoutError() from None

    def wait(self, timeout=None):
        try:
            self._future.exception(timeout)
        except concurrent.futures.TimeoutError:
            pass

    def ready(self):
        return self._future.done()

    def successful(self):
        if not self._future.done():
            raise ValueError("the result is not ready")
        return self._future.exception() is None


def _notify(future, callback, error_callback):
    exc = future.exception()
    if exc is None:
        if callback:
            callback(future.result())
    elif error_callback:
        error_callback(exc)


class Pool:
    """map, imap, imap_unordered, starmap, apply_async, map_async, close/join and the
    context manager of multiprocessing.Pool. `processes` is accepted and ignored: the
    ranks are the processes. chunksize None means the engine's auto policy."""

    def __init__(self, processes=None, *, retries=0):
        self._executor = Executor(retries=retries)
        self._closed = False

    def _check_open(self):
        if self._closed:
            raise ValueError("Pool not running")

    @staticmethod
    def _chunks(chunksize):
        return "auto" if chunksize is None else chunksize

    def map(self, func, iterable, chunksize=None):
        self._check_open()
        return list(self._executor.map(func, iterable, chunksize=self._chunks(chunksize)))

    def starmap(self, func, iterable, chunksize=None):
        self._check_open()
        return list(self._executor.starmap(func, iterable, chunksize=self._chunks(chunksize)))

    def imap(self, func, iterable, chunksize=1):
        self._check_open()
        return self._executor.map(func, iterable, chunksize=chunksize)

    def imap_unordered(self, func, iterable, chunksize=1):
        self._check_open()
        return (value for _, value in self._executor.map_unordered(func, iterable, chunksize=chunksize))

    def apply(self, func, args=(), kwds=None):
        return self.apply_async(func, args, kwds).get()

    def apply_async(self, func, args=(), kwds=None, callback=None, error_callback=None):
        self._check_open()
        return AsyncResult(self._executor.submit(func, *args, **(kwds or {})), callback, error_callback)

    def map_async(self, func, iterable, chunksize=None, callback=None, error_callback=None):
        self._check_open()
        return self._collect(self._executor.map(func, iterable, chunksize=self._chunks(chunksize)), callback,
                             error_callback)

    def starmap_async(self, func, iterable, chunksize=None, callback=None, error_callback=None):
        self._check_open()
        return self._collect(self._executor.starmap(func, iterable, chunksize=self._chunks(chunksize)), callback,
                             error_callback)

    @staticmethod
    def _collect(results, callback, error_callback):
        """An AsyncResult whose value is the list of `results`, gathered on a thread."""
        future = concurrent.futures.Future()
        future.set_running_or_notify_cancel()

        def gather():
            try:
                future.set_result(list(results))
            except BaseException as exc:
                future.set_exception(exc)

        threading.Thread(target=gather, name="rankpool-map-async", daemon=True).start()
        return AsyncResult(future, callback, error_callback)

    def close(self):
        self._closed = True

    def terminate(self):
        """Cancels calls not yet handed out and waits for the rest (a running task cannot be stopped)."""
        self._closed = True
        self._executor.shutdown(wait=True, cancel_futures=True)

    def join(self):
        if not self._closed:
            raise ValueError("Pool is still running")
        self._executor.shutdown(wait=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.terminate()
