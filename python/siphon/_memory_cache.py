"""The `cache` namespace in memory: the test harness's stand-in for Redis-backed named caches.

Same method names and results as the siphon-sip core's `cache` (and siphon's
own, see docs): an unknown cache name gives the absent value (None, False,
[]) and one warning per name; keys starting with "siphon:" are reserved
(ValueError); TTLs are honoured. A value is a string or a list, as in Redis:
an operation on the other kind fails as Redis would (absent value).

Every method but has_cache is awaitable in a coroutine and returns its result
directly in a plain function, as http.Client does.
"""
import asyncio
import contextlib
import threading
import time
from collections import OrderedDict

__all__ = ["MemoryCache", "current", "activated"]

_RESERVED = "siphon:"


def _key(key, what="key"):
    if not isinstance(key, str):
        raise TypeError(f"{what} must be str, not {type(key).__name__}")
    if key.startswith(_RESERVED):
        raise ValueError(f"{what}s starting with 'siphon:' are reserved for internal use")
    return key


def _name(name):
    if not isinstance(name, str):
        raise TypeError(f"cache name must be str, not {type(name).__name__}")
    return name


def _ttl(ttl, minimum):
    if ttl is None:
        return None
    if isinstance(ttl, bool) or not isinstance(ttl, int) or ttl < minimum:
        raise ValueError(f"ttl must be an int >= {minimum} (seconds), not {ttl!r}")
    return ttl


async def _later(value):
    await asyncio.sleep(0)  # a real cache call suspends the coroutine: let other tasks run
    return value


def _deliver(value):
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return value
    return _later(value)


class _Store:
    """One named cache: key -> [value (str or list), expiry (monotonic) or None], least recently used first."""

    def __init__(self, clock, ttl_secs=None, max_entries=None):
        self.clock = clock
        self.ttl_secs = ttl_secs
        self.max_entries = max_entries
        self.entries = OrderedDict()

    def get(self, key):
        entry = self.entries.get(key)
        if entry is None:
            return None
        if entry[1] is not None and entry[1] <= self.clock():
            del self.entries[key]
            return None
        self.entries.move_to_end(key)
        return entry

    def put(self, key, value, ttl=None):
        ttls = [t for t in (ttl, self.ttl_secs) if t is not None]
        self.entries[key] = [value, self.clock() + min(ttls) if ttls else None]
        self.entries.move_to_end(key)
        if self.max_entries is not None:
            while len(self.entries) > self.max_entries:
                self.entries.popitem(last=False)

    def live_keys(self):
        return [key for key in list(self.entries) if self.get(key) is not None]


class MemoryCache:
    """Named caches in memory: cache.fetch(name, key), cache.store(...), ... and set_data() to seed one.

    `warn(text)` reports the first use of an unknown cache name; `clock` gives
    the seconds TTLs count in (time.monotonic).
    """

    def __init__(self, caches=None, *, warn=None, clock=time.monotonic):
        self._clock = clock
        self._stores = {}
        self._warned = set()
        self._warn = warn
        self._lock = threading.Lock()
        for name, settings in (caches or {}).items():
            self.declare(name, **(settings or {}))

    # -- set-up (tests) -----------------------------------------------------

    def declare(self, name, *, local_ttl_secs=None, local_max_entries=None, url=None):
        """Configure cache `name` as siphon.yaml's `cache:` list would (url is accepted and ignored: no Redis here)."""
        ttl = _ttl(local_ttl_secs, 1)
        if local_max_entries is not None and (isinstance(local_max_entries, bool)
                                              or not isinstance(local_max_entries, int) or local_max_entries < 1):
            raise ValueError(f"local_max_entries must be a positive int, not {local_max_entries!r}")
        with self._lock:
            self._stores[_name(name)] = _Store(self._clock, ttl, local_max_entries)

    def set_data(self, name, data=None):
        """Create (or replace) cache `name` holding `data`: {key: str, or key: list of str}."""
        store = _Store(self._clock)
        for key, value in (data or {}).items():
            if not (isinstance(value, str) or (isinstance(value, list) and all(isinstance(v, str) for v in value))):
                raise TypeError(f"cache {name!r}: value of {key!r} must be a str or a list of str")
            store.put(_key(key), list(value) if isinstance(value, list) else value)
        with self._lock:
            self._stores[_name(name)] = store

    def clear(self):
        """Forget every cache and its data."""
        with self._lock:
            self._stores.clear()
            self._warned.clear()

    # -- the namespace ------------------------------------------------------

    def has_cache(self, name):
        """True when cache `name` is configured."""
        with self._lock:
            return _name(name) in self._stores

    def fetch(self, name, key):
        """The string under `key`, or None."""
        return self._run(name, None, key, lambda store: _string(store.get(key)))

    def store(self, name, key, value, ttl=None):
        """Set `key` to `value` (expiring after `ttl` seconds if given); True unless the cache is unknown."""
        if not isinstance(value, str):
            raise TypeError(f"value must be str, not {type(value).__name__}")
        ttl = _ttl(ttl, 1)
        return self._run(name, False, key, lambda store: _store(store, key, value, ttl))

    def delete(self, name, key):
        """Remove `key`; True unless the cache is unknown."""
        return self._run(name, False, key, lambda store: _delete(store, key))

    def exists(self, name, key):
        """True when `key` holds a value (of either kind)."""
        return self._run(name, False, key, lambda store: store.get(key) is not None)

    def expire(self, name, key, ttl):
        """Make `key` expire `ttl` seconds from now (0: now); True if it existed."""
        ttl = _ttl(ttl, 0)
        if ttl is None:
            raise ValueError("ttl must be an int >= 0 (seconds), not None")
        return self._run(name, False, key, lambda store: _expire(store, key, ttl))

    def list_push(self, name, key, item):
        """Append `item` to the list under `key`; its new length (None: unknown cache, or not a list)."""
        if not isinstance(item, str):
            raise TypeError(f"item must be str, not {type(item).__name__}")
        return self._run(name, None, key, lambda store: _push(store, key, item))

    def list_pop_all(self, name, key):
        """Every item of the list under `key`, oldest first, and the list removed ([] when absent)."""
        return self._run(name, [], key, lambda store: _pop_all(store, key))

    def list_len(self, name, key):
        """The length of the list under `key` (0 when absent; None: unknown cache, or not a list)."""
        return self._run(name, None, key, lambda store: _length(store.get(key)))

    def list_len_sum(self, name, prefix):
        """The summed length of every list whose key starts with `prefix` (None: unknown cache, or a non-list matched)."""
        _key(prefix, "prefix")
        if not prefix:
            raise ValueError("prefix must not be empty (would scan the entire keyspace)")
        return self._run(name, None, None, lambda store: _length_sum(store, prefix))

    # -- internals ----------------------------------------------------------

    def _run(self, name, absent, key, operation):
        _name(name)
        if key is not None:
            _key(key)
        with self._lock:
            store = self._stores.get(name)
            if store is not None:
                return _deliver(operation(store))
            first_time = name not in self._warned
            self._warned.add(name)
        if first_time:
            self._warned_unknown(name)
        return _deliver(list(absent) if isinstance(absent, list) else absent)

    def _warned_unknown(self, name):
        if self._warn is not None:
            self._warn(f"cache {name!r} is not configured: its operations return nothing")


def _store(store, key, value, ttl):
    store.put(key, value, ttl)
    return True


def _delete(store, key):
    store.entries.pop(key, None)
    return True


def _string(entry):
    return entry[0] if entry is not None and isinstance(entry[0], str) else None


def _length(entry):
    if entry is None:
        return 0
    return len(entry[0]) if isinstance(entry[0], list) else None


def _expire(store, key, ttl):
    entry = store.get(key)
    if entry is None:
        return False
    if ttl == 0:
        del store.entries[key]
    else:
        entry[1] = store.clock() + ttl
    return True


def _push(store, key, item):
    entry = store.get(key)
    if entry is None:
        store.put(key, [item])
        return 1
    if not isinstance(entry[0], list):
        return None  # Redis: WRONGTYPE
    entry[0].append(item)
    return len(entry[0])


def _pop_all(store, key):
    entry = store.get(key)
    if entry is None or not isinstance(entry[0], list):
        return []
    del store.entries[key]
    return list(entry[0])


def _length_sum(store, prefix):
    total = 0
    for key in store.live_keys():
        if key.startswith(prefix):
            value = store.entries[key][0]
            if not isinstance(value, list):
                return None  # Redis: one LLEN of the pipeline fails
            total += len(value)
    return total


# The cache of the harness running script code now; the one below the stack
# has no caches configured.
_stack = [MemoryCache()]


def current():
    """The MemoryCache `from siphon import cache` should use outside the siphon process."""
    return _stack[-1]


@contextlib.contextmanager
def activated(cache):
    _stack.append(cache)
    try:
        yield cache
    finally:
        _stack.remove(cache)
