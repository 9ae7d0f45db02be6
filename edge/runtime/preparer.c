/* A native helper thread that prepares fresh instances and tears used ones down.
 *
 * Why native: a `per-request` invocation needs a fresh instance (store, instantiate,
 * exports, `_initialize`) and leaves a used one to delete. Both are tens of microseconds
 * of wasmtime work. Done by Python they sit on the event loop; done by a Python thread they
 * wait for the GIL, which a busy event loop hands over only every few milliseconds. This
 * thread never touches Python: it calls wasmtime's C API through function pointers the
 * runtime hands it (so it links against nothing but libc and pthreads) and keeps a few
 * ready instances per function version. The event loop takes one with a single call, or
 * prepares one itself when none is ready.
 *
 * Thread safety: a wasmtime store is used by one thread at a time. A prepared store is
 * only touched by this thread until `edge_prep_take` hands it over, and a discarded one
 * only after `edge_prep_discard` took it. Instantiation goes through an InstancePre that
 * `edge_prep_close` guarantees is no longer in use when it returns.
 *
 * Guests that write output or call a host function during `_initialize` are not prepared
 * here (the host function finds no instance and traps): the factory then stops, and the
 * runtime prepares that version's instances itself, where the output is kept.
 *
 * Warm pages: a fresh instance's memory is a copy-on-write mapping of the module's image, so
 * every page its first call writes is a page fault (a copy, and a TLB flush on every CPU the
 * process runs on). Once the runtime has seen which pages a version's first call writes
 * (`edge_prep_hot`), this thread populates them in each instance it prepares
 * (madvise MADV_POPULATE_WRITE, a few calls instead of one fault per page), so the call
 * itself finds them in place.
 *
 * The same library holds the engine's epoch ticker (at the end of this file), also a native
 * thread for the same reason.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <unistd.h>
#include <time.h>

#define EDGE_PREP_ABI 2
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23 /* Linux 5.14 */
#endif
#define BLOB 32          /* room for one wasmtime_instance_t / _memory_t / _func_t */
#define MAX_READY 16     /* ready instances per factory, at most */
#define MAX_TRASH 32     /* stores awaiting deletion (each holds a pool slot); past it the caller deletes its own */
#define STACK_SIZE (8u << 20) /* guest code runs here too (_initialize): room for max_wasm_stack */

typedef void *(*store_new_t)(void *engine, void *data, void (*finalizer)(void *));
typedef void *(*store_context_t)(void *store);
typedef void (*store_limiter_t)(void *store, int64_t, int64_t, int64_t, int64_t, int64_t);
typedef void (*store_delete_t)(void *store);
typedef void *(*set_fuel_t)(void *ctx, uint64_t fuel);
typedef void *(*get_fuel_t)(void *ctx, uint64_t *fuel);
typedef void (*set_deadline_t)(void *ctx, uint64_t ticks);
typedef void *(*set_wasi_t)(void *ctx, void *config);
typedef void *(*instantiate_t)(void *pre, void *ctx, void *instance_out, void **trap_out);
typedef bool (*export_get_t)(void *ctx, const void *instance, const char *name, size_t len, void *extern_out);
typedef void *(*call_t)(void *ctx, const void *func, void *args, size_t nargs, void **trap_out);
typedef void (*delete_t)(void *);
typedef void *(*wasi_new_t)(void);
typedef bool (*wasi_argv_t)(void *cfg, size_t argc, const char **argv);
typedef bool (*wasi_env_t)(void *cfg, size_t n, const char **names, const char **values);
typedef ssize_t (*output_t)(void *data, const unsigned char *buf, size_t n);
typedef void (*wasi_output_t)(void *cfg, output_t cb, void *data, void (*finalizer)(void *));
typedef uint8_t *(*memory_data_t)(void *ctx, const void *memory);

/* Filled in by the runtime (edge/runtime/preparer.py), in this order. */
typedef struct {
    store_new_t store_new;
    store_context_t store_context;
    store_limiter_t store_limiter;
    store_delete_t store_delete;
    set_fuel_t set_fuel;
    get_fuel_t get_fuel;
    set_deadline_t set_epoch_deadline;
    set_wasi_t set_wasi;
    instantiate_t instantiate;
    export_get_t export_get;
    call_t call;
    delete_t error_delete;
    delete_t trap_delete;
    wasi_new_t wasi_new;
    wasi_argv_t wasi_argv;
    wasi_env_t wasi_env;
    wasi_output_t wasi_stdout;
    wasi_output_t wasi_stderr;
    output_t py_stdout; /* the runtime's own output callbacks, for invocations */
    output_t py_stderr;
    memory_data_t memory_data;
    uint64_t extern_size;      /* sizeof(wasmtime_extern_t) */
    uint64_t extern_of_offset; /* offsetof(wasmtime_extern_t, of) */
    uint64_t key_base;         /* store data words start here (the runtime's own keys are below) */
} edge_prep_api;

/* One prepared instance, as handed to the runtime. */
typedef struct {
    void *store;
    void *ctx;
    uint64_t key;
    uint64_t init_fuel;
    unsigned char instance[BLOB];
    unsigned char memory[BLOB];
    unsigned char alloc[BLOB];
    unsigned char handle[BLOB];
} edge_prep_ready;

enum { ACTIVE = 0, FAILED = 1, CLOSED = 2 };

typedef struct factory {
    struct factory *next;
    void *engine;
    void *pre;
    int64_t memory_limit;
    uint64_t fuel;           /* for instantiation and _initialize */
    uint64_t deadline_ticks; /* 0: epochs off */
    bool has_initialize;
    bool wasi;
    size_t argc, envc;
    char **argv, **env_names, **env_values;
    int target;
    int count;
    int state;
    bool busy;     /* the helper is preparing an instance for it right now */
    bool released; /* the runtime holds no handle to it any more: it may be freed */
    uint64_t prepared, taken;
    uint32_t *hot;   /* pages to populate in each instance: (first page, count) pairs; set once */
    size_t nhot;
    char failure[160];
    edge_prep_ready ring[MAX_READY];
} factory;

static edge_prep_api api;
static bool populate_unsupported; /* a kernel without MADV_POPULATE_WRITE */
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static pthread_cond_t idle = PTHREAD_COND_INITIALIZER;
static factory *factories;
static factory *cursor; /* round robin between versions */
static void *trash[MAX_TRASH];
static size_t ntrash;
static uint64_t next_key;
static bool started;
static bool working; /* the helper is calling into wasmtime (without the lock) */
static pthread_t helper;
/* One per output stream of a prepared store (WASI may call back on another thread):
 * during _initialize output is only noted; afterwards it goes to the runtime, by key. */
typedef struct {
    uint64_t key;
    int in_init;
    int wrote;
} stream;

/* calls.c (the same library): `to` at the thread's own priority, not the guest's. */
ssize_t edge_calls_forward(output_t to, uint64_t key, const unsigned char *buf, size_t n);

static ssize_t forward(stream *s, output_t to, const unsigned char *buf, size_t n) {
    if (__atomic_load_n(&s->in_init, __ATOMIC_ACQUIRE)) {
        __atomic_store_n(&s->wrote, 1, __ATOMIC_RELEASE);
        return (ssize_t)n;
    }
    return edge_calls_forward(to, s->key, buf, n);
}

static ssize_t on_stdout(void *data, const unsigned char *buf, size_t n) { return forward(data, api.py_stdout, buf, n); }
static ssize_t on_stderr(void *data, const unsigned char *buf, size_t n) { return forward(data, api.py_stderr, buf, n); }

static char *dup_str(const char *s) {
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}

static void free_strs(char **v, size_t n) {
    if (!v) return;
    for (size_t i = 0; i < n; i++) free(v[i]);
    free(v);
}

static char **dup_strs(const char **v, size_t n, bool *ok) {
    if (n == 0) return NULL;
    char **d = calloc(n, sizeof(char *));
    if (!d) { *ok = false; return NULL; }
    for (size_t i = 0; i < n; i++) {
        d[i] = dup_str(v[i]);
        if (!d[i]) *ok = false;
    }
    return d;
}

static void fail(factory *f, const char *why, void *err, void *trap) {
    if (err) api.error_delete(err);
    if (trap) api.trap_delete(trap);
    strncpy(f->failure, why, sizeof f->failure - 1);
}

static bool get_export(void *ctx, const void *instance, const char *name, int kind, unsigned char *out) {
    unsigned char ext[128] __attribute__((aligned(16)));
    if (api.extern_size > sizeof ext || api.extern_of_offset + BLOB > sizeof ext) return false;
    memset(ext, 0, sizeof ext);
    if (!api.export_get(ctx, instance, name, strlen(name), ext)) return false;
    if (ext[0] != kind) return false;
    memcpy(out, ext + api.extern_of_offset, BLOB);
    return true;
}

/* Write-fault the version's warm pages now, on this thread, instead of in the call. */
static void populate(void *ctx, const void *memory, const uint32_t *hot, size_t nhot) {
    uint8_t *base = api.memory_data(ctx, memory);
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    for (size_t i = 0; i < nhot && base && !populate_unsupported; i++) {
        if (madvise(base + (size_t)hot[2 * i] * page, (size_t)hot[2 * i + 1] * page, MADV_POPULATE_WRITE) != 0 &&
            errno == EINVAL)
            populate_unsupported = true; /* an older kernel: the faults stay where they were */
    }
}

/* Prepare one instance for f (called without the lock; f->busy keeps f and its pre alive;
 * `hot`, set once and freed with f, may be read without it). */
static bool prepare(factory *f, uint64_t key, edge_prep_ready *r, const uint32_t *hot, size_t nhot) {
    void *err = NULL, *trap = NULL;
    stream *streams[2] = {NULL, NULL};
    memset(r, 0, sizeof *r);
    r->key = key;
    r->store = api.store_new(f->engine, (void *)(uintptr_t)key, NULL);
    if (!r->store) { fail(f, "could not create a store", NULL, NULL); return false; }
    void *ctx = r->ctx = api.store_context(r->store);
    api.store_limiter(r->store, f->memory_limit, -1, -1, -1, -1);
    err = api.set_fuel(ctx, f->fuel);
    if (err) { fail(f, "could not set fuel", err, NULL); goto bad; }
    if (f->deadline_ticks) api.set_epoch_deadline(ctx, f->deadline_ticks);
    if (f->wasi) {
        streams[0] = calloc(1, sizeof(stream));
        streams[1] = calloc(1, sizeof(stream));
        void *cfg = streams[0] && streams[1] ? api.wasi_new() : NULL;
        if (!cfg) {
            free(streams[0]);
            free(streams[1]);
            fail(f, "could not create a WASI config", NULL, NULL);
            goto bad;
        }
        for (int i = 0; i < 2; i++) {
            streams[i]->key = key;
            streams[i]->in_init = 1;
        }
        api.wasi_argv(cfg, f->argc, (const char **)f->argv);
        if (f->envc) api.wasi_env(cfg, f->envc, (const char **)f->env_names, (const char **)f->env_values);
        /* the config, and then the store, owns each stream and frees it */
        api.wasi_stdout(cfg, on_stdout, streams[0], free);
        api.wasi_stderr(cfg, on_stderr, streams[1], free);
        err = api.set_wasi(ctx, cfg); /* takes the config */
        if (err) { fail(f, "WASI setup failed", err, NULL); goto bad; }
    }
    err = api.instantiate(f->pre, ctx, r->instance, &trap);
    if (err || trap) { fail(f, "instantiation failed", err, trap); goto bad; }
    if (!get_export(ctx, r->instance, "memory", 3, r->memory)
        || !get_export(ctx, r->instance, "edge_alloc", 0, r->alloc)
        || !get_export(ctx, r->instance, "edge_handle", 0, r->handle)) {
        fail(f, "an export is missing", NULL, NULL);
        goto bad;
    }
    if (f->has_initialize) {
        unsigned char init[BLOB], vals[32] __attribute__((aligned(16)));
        if (!get_export(ctx, r->instance, "_initialize", 0, init)) { fail(f, "_initialize is missing", NULL, NULL); goto bad; }
        err = api.call(ctx, init, vals, 0, &trap);
        if (err || trap) { fail(f, "_initialize failed (or called the host)", err, trap); goto bad; }
    }
    for (int i = 0; i < 2; i++) {
        if (!streams[i]) continue;
        if (__atomic_load_n(&streams[i]->wrote, __ATOMIC_ACQUIRE)) { fail(f, "_initialize wrote output", NULL, NULL); goto bad; }
        __atomic_store_n(&streams[i]->in_init, 0, __ATOMIC_RELEASE);
    }
    uint64_t left = 0;
    err = api.get_fuel(ctx, &left);
    if (err) { fail(f, "could not read fuel", err, NULL); goto bad; }
    r->init_fuel = f->fuel - left;
    if (nhot) populate(ctx, r->memory, hot, nhot);
    return true;
bad:
    api.store_delete(r->store);
    r->store = NULL;
    return false;
}

/* The helper drops the lock to call into wasmtime, and says so (fork waits for it). */
static void begin_work(void) {
    working = true;
    pthread_mutex_unlock(&mu);
}

static void end_work(void) {
    pthread_mutex_lock(&mu);
    working = false;
    pthread_cond_broadcast(&idle);
}

static void release(factory *f) {
    for (int i = 0; i < f->count; i++) api.store_delete(f->ring[i].store);
    f->count = 0;
    free_strs(f->argv, f->argc);
    free_strs(f->env_names, f->envc);
    free_strs(f->env_values, f->envc);
    free(f->hot);
    free(f);
}

/* The next factory that wants an instance, round robin; reaps closed ones. Lock held. */
static factory *wanting(void) {
    for (factory **link = &factories; *link;) {
        factory *f = *link;
        if (f->state == CLOSED && f->released && !f->busy) {
            *link = f->next;
            if (cursor == f) cursor = NULL;
            begin_work();
            release(f);
            end_work();
            link = &factories; /* the list may have changed meanwhile */
            continue;
        }
        link = &f->next;
    }
    factory *start = cursor && cursor->next ? cursor->next : factories;
    factory *f = start;
    if (!f) return NULL;
    do {
        if (f->state == ACTIVE && !f->busy && f->count < f->target) return cursor = f;
        f = f->next ? f->next : factories;
    } while (f != start);
    return NULL;
}

static void *run(void *unused) {
    (void)unused;
    void *batch[MAX_TRASH];
    pthread_mutex_lock(&mu);
    for (;;) {
        if (ntrash) {
            size_t n = ntrash;
            memcpy(batch, trash, n * sizeof(void *));
            ntrash = 0;
            begin_work();
            for (size_t i = 0; i < n; i++) api.store_delete(batch[i]);
            end_work();
            continue;
        }
        factory *f = wanting();
        if (!f) {
            pthread_cond_wait(&wake, &mu);
            continue;
        }
        f->busy = true;
        uint64_t key = api.key_base + next_key++;
        const uint32_t *hot = f->hot;
        size_t nhot = f->nhot;
        begin_work();
        edge_prep_ready r;
        bool ok = prepare(f, key, &r, hot, nhot);
        end_work();
        f->busy = false;
        if (ok && f->state == ACTIVE && f->count < MAX_READY) {
            f->ring[f->count++] = r;
            f->prepared++;
        } else {
            if (ok) {
                begin_work();
                api.store_delete(r.store);
                end_work();
            } else if (f->state == ACTIVE) {
                f->state = FAILED;
            }
        }
        pthread_cond_broadcast(&idle);
    }
    return NULL;
}

/* ---- fork ---------------------------------------------------------------------------
 * A child has no helper thread. Fork waits (briefly: the helper may itself be waiting for
 * the GIL that the forking thread holds) until the helper is between two pieces of work,
 * so the copied state is consistent; the child then fails every factory (the runtime
 * prepares instances itself there) and may start a helper of its own. */

static void before_fork(void) {
    pthread_mutex_lock(&mu);
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_nsec += 50 * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec += 1;
        until.tv_nsec -= 1000000000L;
    }
    while (working && pthread_cond_timedwait(&idle, &mu, &until) == 0) {
    }
}

static void after_fork_parent(void) { pthread_mutex_unlock(&mu); }

static void after_fork_child(void) {
    pthread_mutex_init(&mu, NULL);
    pthread_cond_init(&wake, NULL);
    pthread_cond_init(&idle, NULL);
    started = false;
    working = false;
    ntrash = 0; /* the parent's helper deletes those */
    for (factory *f = factories; f; f = f->next) {
        if (f->state == ACTIVE) f->state = FAILED;
        f->busy = false;
        f->count = 0; /* the parent's instances: never handed out twice */
        strncpy(f->failure, "the process forked", sizeof f->failure - 1);
    }
}

/* ---- the runtime's calls ------------------------------------------------------------ */

int edge_prep_abi(void) { return EDGE_PREP_ABI; }

/* Install the API table and start the helper thread (once). 0 on success. */
int edge_prep_start(const edge_prep_api *table) {
    pthread_mutex_lock(&mu);
    int rc = 0;
    if (!started) {
        api = *table;
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        pthread_attr_setstacksize(&attr, STACK_SIZE);
        static bool hooked;
        if (!hooked) hooked = pthread_atfork(before_fork, after_fork_parent, after_fork_child) == 0;
        rc = pthread_create(&helper, &attr, run, NULL);
        pthread_attr_destroy(&attr);
        started = rc == 0;
    }
    pthread_mutex_unlock(&mu);
    return rc;
}

void *edge_prep_factory(void *engine, void *pre, int64_t memory_limit, uint64_t fuel, uint64_t deadline_ticks,
                        int has_initialize, int wasi, size_t argc, const char **argv, size_t envc,
                        const char **env_names, const char **env_values, int target) {
    factory *f = calloc(1, sizeof *f);
    if (!f) return NULL;
    bool ok = true;
    f->engine = engine;
    f->pre = pre;
    f->memory_limit = memory_limit;
    f->fuel = fuel;
    f->deadline_ticks = deadline_ticks;
    f->has_initialize = has_initialize != 0;
    f->wasi = wasi != 0;
    f->argc = argc;
    f->argv = dup_strs(argv, argc, &ok);
    f->envc = envc;
    f->env_names = dup_strs(env_names, envc, &ok);
    f->env_values = dup_strs(env_values, envc, &ok);
    f->target = target < 1 ? 1 : target > MAX_READY ? MAX_READY : target;
    if (!ok) {
        release(f);
        return NULL;
    }
    pthread_mutex_lock(&mu);
    f->next = factories;
    factories = f;
    pthread_cond_signal(&wake);
    pthread_mutex_unlock(&mu);
    return f;
}

/* Hand over a ready instance: 1 (filled in), 0 (none ready), -1 (the factory has failed). */
int edge_prep_take(void *handle, edge_prep_ready *out) {
    factory *f = handle;
    int rc;
    pthread_mutex_lock(&mu);
    if (f->state == CLOSED) {
        rc = 0;
    } else if (f->count > 0) {
        *out = f->ring[--f->count]; /* the most recently prepared: its pages are warmest */
        f->taken++;
        rc = 1;
        pthread_cond_signal(&wake);
    } else {
        rc = f->state == FAILED ? -1 : 0;
        if (rc == 0 && !f->busy) pthread_cond_signal(&wake);
    }
    pthread_mutex_unlock(&mu);
    return rc;
}

int edge_prep_count(void *handle) {
    factory *f = handle;
    pthread_mutex_lock(&mu);
    int n = f->count;
    pthread_mutex_unlock(&mu);
    return n;
}

/* How many instances the helper has prepared and handed over for this version. */
void edge_prep_stats(void *handle, uint64_t *prepared, uint64_t *taken) {
    factory *f = handle;
    pthread_mutex_lock(&mu);
    *prepared = f->prepared;
    *taken = f->taken;
    pthread_mutex_unlock(&mu);
}

/* Why the factory stopped (empty while it works). Copies at most n bytes including the NUL. */
void edge_prep_failure(void *handle, char *out, size_t n) {
    factory *f = handle;
    pthread_mutex_lock(&mu);
    strncpy(out, f->failure, n);
    if (n) out[n - 1] = 0;
    pthread_mutex_unlock(&mu);
}

/* Stop preparing for this version. On return the helper no longer uses its InstancePre;
 * its ready instances are deleted by the helper once the runtime releases the handle
 * (edge_prep_release), so a call racing with close never sees freed memory. */
void edge_prep_close(void *handle) {
    factory *f = handle;
    void *ready[MAX_READY];
    int n;
    pthread_mutex_lock(&mu);
    f->state = CLOSED;
    /* On the helper itself (Python's GC can run in a host callback there) it must not wait
     * for itself: it is then inside a guest's _initialize, past instantiation, so it no
     * longer uses this version's InstancePre. */
    bool on_helper = started && pthread_equal(pthread_self(), helper);
    while (f->busy && !on_helper) pthread_cond_wait(&idle, &mu);
    n = f->count;
    for (int i = 0; i < n; i++) ready[i] = f->ring[i].store;
    f->count = 0; /* a closed version gives its pool slots back now */
    pthread_cond_signal(&wake);
    pthread_mutex_unlock(&mu);
    for (int i = 0; i < n; i++) api.store_delete(ready[i]);
}

/* The runtime drops its last handle to a closed factory: the helper frees it. */
void edge_prep_release(void *handle) {
    factory *f = handle;
    pthread_mutex_lock(&mu);
    f->released = true;
    pthread_cond_signal(&wake);
    pthread_mutex_unlock(&mu);
}

/* The pages a fresh instance of this version will write, as (first page, count) pairs in
 * its linear memory (the runtime saw them written by a first call). Set once: 1 if taken. */
int edge_prep_hot(void *handle, const uint32_t *pairs, size_t n) {
    factory *f = handle;
    uint32_t *copy = n ? malloc(n * 2 * sizeof(uint32_t)) : NULL;
    if (!copy) return 0;
    memcpy(copy, pairs, n * 2 * sizeof(uint32_t));
    pthread_mutex_lock(&mu);
    int taken = f->hot == NULL && f->state != CLOSED;
    if (taken) {
        f->hot = copy;
        f->nhot = n;
    }
    pthread_mutex_unlock(&mu);
    if (!taken) free(copy);
    return taken;
}

/* Queue a used store for deletion by the helper: 1 if queued, 0 if the caller must delete it. */
int edge_prep_discard(void *store) {
    int queued = 0;
    pthread_mutex_lock(&mu);
    if (started && ntrash < MAX_TRASH) {
        trash[ntrash++] = store;
        queued = 1;
        if (ntrash == 1) pthread_cond_signal(&wake);
    }
    pthread_mutex_unlock(&mu);
    return queued;
}

/* ---- The epoch ticker ------------------------------------------------------------------
 *
 * Advances an engine's epoch (the wall-clock limit's clock) every `interval_ns` while timed
 * invocations run. A Python ticker needs the GIL 200 times a second, and every hand-over
 * stalls the event loop (worst when a looping guest keeps the other core busy); this thread
 * never touches Python. Wall-clock exact: a late wake-up (CPU contention) is made up at
 * once, so a timeout ends when it should. Idle time is not made up: while nothing timed
 * runs, the thread sleeps and the epoch stands still, as budgeted inline runs expect. */

#define MAX_CATCH_UP 10000 /* ticks made up at once after a long stall */

typedef void (*increment_t)(void *engine);

typedef struct {
    void *engine;
    increment_t increment;
    uint64_t interval_ns;
    int active;
    int stop;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_t thread;
} edge_ticker;

static uint64_t monotonic_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void *ticker_run(void *arg) {
    edge_ticker *t = arg;
    uint64_t last = monotonic_ns();
    pthread_mutex_lock(&t->mu);
    while (!t->stop) {
        if (t->active <= 0) {
            pthread_cond_wait(&t->cv, &t->mu);
            last = monotonic_ns();
            continue;
        }
        pthread_mutex_unlock(&t->mu);
        uint64_t now = monotonic_ns();
        uint64_t due = (now - last) / t->interval_ns;
        if (due == 0) due = 1;
        if (due > MAX_CATCH_UP) {
            due = MAX_CATCH_UP;
            last = now;
        } else {
            last += due * t->interval_ns;
        }
        for (uint64_t i = 0; i < due; i++) t->increment(t->engine);
        uint64_t next = last + t->interval_ns;
        now = monotonic_ns();
        if (next > now) {
            struct timespec ts = {(time_t)((next - now) / 1000000000u), (long)((next - now) % 1000000000u)};
            nanosleep(&ts, NULL);
        }
        pthread_mutex_lock(&t->mu);
    }
    pthread_mutex_unlock(&t->mu);
    return NULL;
}

void *edge_ticker_start(void *engine, void *increment, uint64_t interval_ns) {
    edge_ticker *t = calloc(1, sizeof *t);
    if (!t) return NULL;
    t->engine = engine;
    t->increment = (increment_t)increment;
    t->interval_ns = interval_ns ? interval_ns : 1;
    pthread_mutex_init(&t->mu, NULL);
    pthread_cond_init(&t->cv, NULL);
    if (pthread_create(&t->thread, NULL, ticker_run, t) != 0) {
        free(t);
        return NULL;
    }
    return t;
}

/* An invocation that relies on the wall-clock limit starts (+1) or ends (-1). */
void edge_ticker_active(void *handle, int delta) {
    edge_ticker *t = handle;
    pthread_mutex_lock(&t->mu);
    t->active += delta;
    if (t->active > 0 && t->active == delta) pthread_cond_signal(&t->cv);
    pthread_mutex_unlock(&t->mu);
}

void edge_ticker_stop(void *handle) {
    edge_ticker *t = handle;
    pthread_mutex_lock(&t->mu);
    t->stop = 1;
    pthread_cond_signal(&t->cv);
    pthread_mutex_unlock(&t->mu);
    pthread_join(t->thread, NULL);
    pthread_mutex_destroy(&t->mu);
    pthread_cond_destroy(&t->cv);
    free(t);
}
