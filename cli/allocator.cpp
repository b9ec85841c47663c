// jemalloc's options for the bridge binary, read once when the allocator starts (MALLOC_CONF in
// the environment still overrides them). A proxy allocates in bursts: a client that opens 100
// HTTP/2 streams at once makes 100 of each per-stream object (coroutine frames, mostly) in
// one go, then frees them. With the defaults (20-200 cached blocks per size, a cache sweep
// every 64 KiB allocated) such a burst went through jemalloc's locked slow path: 2,469
// instructions per stream at 10 x 100 streams against 574 at 10 x 10. With room for 256-2,048
// blocks per size and a sweep every 8 MiB: 1,393 (callgrind, h2load -c10 -m100); the cached
// blocks still go back to the arena as the sweeps find them unused.
extern "C" {
// NOLINTNEXTLINE(readability-identifier-naming): the name jemalloc looks up
const char* malloc_conf =
    "tcache_nslots_small_min:256,tcache_nslots_small_max:2048,tcache_gc_incr_bytes:8388608";
}
