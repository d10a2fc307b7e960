"""The in-memory `cache` namespace of the test harnesses: the names and results issue 14 lists."""
import asyncio

import pytest

from siphon._memory_cache import MemoryCache
from siphon.testing import HttpTestHarness, LogLine


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def cache(clock):
    warnings = []
    made = MemoryCache({"c": None}, warn=warnings.append, clock=clock)
    made.warnings = warnings
    return made


def test_strings_store_fetch_exists_delete(cache):
    assert cache.fetch("c", "k") is None
    assert cache.store("c", "k", "v") is True
    assert cache.fetch("c", "k") == "v"
    assert cache.exists("c", "k") is True
    assert cache.delete("c", "k") is True
    assert cache.delete("c", "k") is True  # a known cache: True whether or not the key was there
    assert cache.exists("c", "k") is False


def test_ttls_expire_keys(cache, clock):
    cache.store("c", "short", "v", ttl=5)
    cache.store("c", "kept", "v")
    clock.now += 4.9
    assert cache.fetch("c", "short") == "v"
    clock.now += 0.2
    assert cache.fetch("c", "short") is None
    assert cache.expire("c", "kept", 10) is True
    assert cache.expire("c", "missing", 10) is False
    clock.now += 10
    assert cache.exists("c", "kept") is False
    cache.store("c", "now", "v")
    assert cache.expire("c", "now", 0) is True and cache.exists("c", "now") is False


def test_lists(cache):
    assert cache.list_len("c", "q:1") == 0
    assert [cache.list_push("c", "q:1", item) for item in "abc"] == [1, 2, 3]
    cache.list_push("c", "q:2", "x")
    cache.list_push("c", "other", "y")
    assert cache.list_len("c", "q:1") == 3
    assert cache.list_len_sum("c", "q:") == 4
    assert cache.list_len_sum("c", "none:") == 0
    assert cache.list_pop_all("c", "q:1") == ["a", "b", "c"]  # oldest first, and drained
    assert cache.list_pop_all("c", "q:1") == []
    assert cache.list_len("c", "q:1") == 0


def test_the_wrong_kind_of_value_fails_as_redis_would(cache):
    cache.store("c", "s", "text")
    cache.list_push("c", "l", "item")
    assert cache.fetch("c", "l") is None
    assert cache.list_push("c", "s", "x") is None
    assert cache.list_len("c", "s") is None
    assert cache.list_pop_all("c", "s") == []
    cache.store("c", "mixed:1", "text")
    cache.list_push("c", "mixed:2", "x")
    assert cache.list_len_sum("c", "mixed:") is None


def test_unknown_caches_give_the_absent_value_and_one_warning(cache):
    assert cache.has_cache("c") is True and cache.has_cache("nope") is False
    assert cache.fetch("nope", "k") is None
    assert cache.store("nope", "k", "v") is False
    assert cache.delete("nope", "k") is False
    assert cache.exists("nope", "k") is False
    assert cache.expire("nope", "k", 1) is False
    assert cache.list_push("nope", "k", "v") is None
    assert cache.list_pop_all("nope", "k") == []
    assert cache.list_len("nope", "k") is None
    assert cache.list_len_sum("nope", "k") is None
    assert cache.warnings == ["cache 'nope' is not configured: its operations return nothing"]


@pytest.mark.parametrize("call", [
    lambda c: c.fetch("c", "siphon:x"), lambda c: c.store("c", "siphon:x", "v"), lambda c: c.delete("c", "siphon:x"),
    lambda c: c.exists("c", "siphon:x"), lambda c: c.expire("c", "siphon:x", 1), lambda c: c.list_push("c", "siphon:x", "v"),
    lambda c: c.list_pop_all("c", "siphon:x"), lambda c: c.list_len("c", "siphon:x"), lambda c: c.list_len_sum("c", "siphon:"),
    lambda c: c.list_len_sum("c", ""), lambda c: c.store("c", "k", "v", ttl=0),
])
def test_reserved_keys_empty_prefixes_and_bad_ttls_are_value_errors(cache, call):
    with pytest.raises(ValueError):
        call(cache)


def test_awaitable_in_a_coroutine_direct_in_a_function(cache):
    async def use():
        assert await cache.store("c", "k", "v") is True
        return await cache.fetch("c", "k")
    assert asyncio.run(use()) == "v"
    assert cache.fetch("c", "k") == "v"


def test_local_max_entries_evicts_the_least_recently_used(clock):
    cache = MemoryCache({"lru": {"local_max_entries": 2}}, clock=clock)
    cache.store("lru", "a", "1")
    cache.store("lru", "b", "2")
    cache.fetch("lru", "a")
    cache.store("lru", "c", "3")
    assert [cache.exists("lru", k) for k in "abc"] == [True, False, True]
    with pytest.raises(ValueError, match="local_max_entries must be a positive int"):
        MemoryCache({"bad": {"local_max_entries": 0}})


def test_the_harness_cache_is_seedable_and_warns_through_the_log(write_script):
    path = write_script("""
        from siphon import http

        @http.route("/")
        def index(req):
            return http.Response(200)
    """)
    with HttpTestHarness(path, caches={"sessions": {"local_ttl_secs": 30}}) as harness:
        assert harness.cache.has_cache("sessions")
        harness.cache.set_data("seen", {"id-1": "1", "queue": ["a", "b"]})
        assert harness.cache.fetch("seen", "id-1") == "1"
        assert harness.cache.list_pop_all("seen", "queue") == ["a", "b"]
        assert harness.cache.fetch("absent", "k") is None
        assert LogLine("WARN", "siphon.cache", "cache 'absent' is not configured: its operations return nothing") in harness.logs
        harness.reset()
        assert not harness.cache.has_cache("seen")
