/* One native call per step of an invocation: making an instance, and calling its handler.
 *
 * Why: from Python, each step is a dozen calls into wasmtime's C API (set fuel, set the
 * deadline, call edge_alloc, find the memory, copy the event in, call edge_handle, read the
 * fuel left...), each a ctypes call of ~0.5 µs plus the Python around it. Here they are one
 * call each, made through function pointers the runtime hands over (edge/runtime/calls.py),
 * so this file links against nothing but libc. Python still decides everything that is not
 * a C-API call: limits, classification of failures, the result's parsing.
 *
 * Guest priority: the invoker's threads run guest code below the event loop's priority
 * (worker threads at nice 19, the low lane in the scheduler's idle class) and everything
 * else, the Python that holds the GIL, at the loop's own (`edge_calls_guest_priority`). A
 * thread lowered for its whole life would also hold, and wait for, the GIL at that
 * priority: with the CPU busy it could sit on the GIL (or on a hand-over the event loop
 * waits for) for as long as anything else wants the CPU, and stall every route.
 *
 * Nothing here owns anything: an error or trap goes back to the runtime, which reads and
 * frees it. A failure says at which stage it happened, so the runtime reports it exactly as
 * it does when it makes the calls itself.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#define EDGE_CALLS_ABI 2
#define EXTERN_FUNC 0
#define EXTERN_MEMORY 3

typedef void *(*store_context_t)(void *store);
typedef void (*store_limiter_t)(void *store, int64_t, int64_t, int64_t, int64_t, int64_t);
typedef void *(*set_fuel_t)(void *ctx, uint64_t fuel);
typedef void *(*get_fuel_t)(void *ctx, uint64_t *fuel);
typedef void (*set_deadline_t)(void *ctx, uint64_t ticks);
typedef void *(*instantiate_t)(void *pre, void *ctx, void *instance_out, void **trap_out);
typedef bool (*export_get_t)(void *ctx, const void *instance, const char *name, size_t len, void *extern_out);
typedef void *(*call_t)(void *ctx, const void *func, void *args, size_t nargs, void **trap_out);
typedef uint8_t *(*memory_data_t)(void *ctx, const void *memory);
typedef size_t (*memory_size_t)(void *ctx, const void *memory);
typedef void *(*store_new_t)(void *engine, void *data, void (*finalizer)(void *));
typedef void (*store_delete_t)(void *store);

/* Filled in by the runtime (edge/runtime/calls.py), in this order. */
typedef struct {
    store_context_t store_context;
    store_limiter_t store_limiter;
    set_fuel_t set_fuel;
    get_fuel_t get_fuel;
    set_deadline_t set_epoch_deadline;
    instantiate_t instantiate;
    export_get_t export_get;
    call_t call;
    memory_data_t memory_data;
    memory_size_t memory_data_size;
    uint64_t extern_size;      /* sizeof(wasmtime_extern_t) */
    uint64_t extern_of_offset; /* offsetof(wasmtime_extern_t, of) */
    uint64_t memory_size;      /* sizeof(wasmtime_memory_t): what an extern's memory handle copies */
    uint64_t func_size;        /* sizeof(wasmtime_func_t) */
    uint64_t val_size;         /* sizeof(wasmtime_val_raw_t) */
    store_new_t store_new;
    store_delete_t store_delete;
} edge_calls_api;

enum { METERED = 1, TIMED = 2, INITIALIZE = 4 };

/* Stages at which a step stopped (0: it completed). */
enum {
    DONE = 0,
    ALLOC_FAILED = 1,    /* edge_alloc trapped or erred: err / trap set */
    ALLOC_UNUSABLE = 2,  /* edge_alloc's pointer does not fit the event in memory: ptr set */
    HANDLE_FAILED = 3,   /* edge_handle trapped or erred: err / trap set */
    FUEL_UNSET = 4,      /* setting fuel failed: err set */
    INSTANTIATE_FAILED = 5,
    EXPORT_MISSING = 6,  /* missing = which export (1 memory, 2 edge_alloc, 3 edge_handle, 4 _initialize) */
    EXPORT_KIND = 7,     /* the export is there with another kind: missing says which */
    INIT_FAILED = 8,     /* _initialize trapped or erred */
    STORE_FAILED = 9,    /* wasmtime could not make a store (store is then NULL) */
};

/* One instance as both sides see it: the runtime's own structs, by address, set once. */
typedef struct {
    void *store;
    void *ctx;
    void *instance; /* wasmtime_instance_t */
    void *memory;   /* wasmtime_memory_t */
    void *alloc;    /* wasmtime_func_t */
    void *handle;   /* wasmtime_func_t */
    void *vals;     /* wasmtime_val_raw_t[2] */
    /* per step, in */
    uint64_t fuel;
    uint64_t ticks;
    uint32_t flags;
    /* per step, out */
    int32_t stage;
    int32_t missing;
    uint32_t ptr;
    void *err;
    void *trap;
    void *fuel_err; /* reading the fuel left failed (fuel_left is then 0) */
    int64_t packed;
    uint8_t *base;
    uint64_t size;
    uint64_t fuel_left;
    uint32_t memory_ready; /* the memory handle is filled in: host calls may read memory */
} edge_call;

static edge_calls_api api;
enum { GUEST_AS_IS = 0, GUEST_NICE = 1, GUEST_IDLE = 2 };
static __thread int guest_mode;  /* how this thread runs guest code (edge_calls_guest_priority) */
static __thread int guest_nice;  /* GUEST_NICE: the nice value for guest code */
static __thread int base_nice;   /* the thread's own nice value, for everything else */
static __thread int lowered_now; /* this thread is running guest code at its guest priority */

int edge_calls_abi(void) { return EDGE_CALLS_ABI; }

static int lower(void);
static void restore(int lowered);
static void as_loop(void);
static void note_loop_priority(void);

void edge_calls_init(const edge_calls_api *table) {
    api = *table;
    note_loop_priority();
}

#ifdef __linux__
static pid_t thread_id(void) { return (pid_t)syscall(SYS_gettid); }

/* This thread runs guest code at a lower priority than the rest: `nice` (GUEST_NICE) or the
 * idle class (GUEST_IDLE). 0 once a trial round trip worked; -1 where the scheduler refused
 * it (the runtime then lowers the thread for its whole life, as without this library). */
int edge_calls_guest_priority(int mode, int nice) {
    errno = 0;
    int current = getpriority(PRIO_PROCESS, (id_t)thread_id());
    if (current == -1 && errno) return -1;
    base_nice = current;
    guest_nice = nice;
    guest_mode = mode;
    restore(lower());
    return guest_mode ? 0 : -1;
}

/* Into the guest priority; 1 if this thread went. A refusal ends the switching. */
static int lower(void) {
    struct sched_param param = {0};
    int ok = 0;
    if (guest_mode == GUEST_IDLE) ok = pthread_setschedparam(pthread_self(), SCHED_IDLE, &param) == 0;
    else if (guest_mode == GUEST_NICE) ok = setpriority(PRIO_PROCESS, (id_t)thread_id(), guest_nice) == 0;
    else return 0;
    if (ok) return lowered_now = 1;
    guest_mode = GUEST_AS_IS;
    return 0;
}

/* Back to the thread's own priority before Python runs again. Where that is refused (it
 * takes CAP_SYS_NICE or a RLIMIT_NICE allowance) the thread stays lowered, as without this
 * library, and stops switching. */
static void restore(int lowered) {
    struct sched_param param = {0};
    if (!lowered) return;
    lowered_now = 0;
    int ok = guest_mode == GUEST_IDLE ? pthread_setschedparam(pthread_self(), SCHED_OTHER, &param) == 0
                                      : setpriority(PRIO_PROCESS, (id_t)thread_id(), base_nice) == 0;
    if (!ok) guest_mode = GUEST_AS_IS;
}

static int loop_nice;        /* the nice value of the thread that loaded this library */
static int loop_nice_known; /* 0: never read (no nice value is then changed, only the class) */
static __thread int as_loop_done;

static void note_loop_priority(void) {
    errno = 0;
    int current = getpriority(PRIO_PROCESS, (id_t)thread_id());
    if (current == -1 && errno) return;
    loop_nice = current;
    loop_nice_known = 1;
}

/* wasmtime writes WASI output from its own (tokio) threads, which inherit the scheduling of
 * the thread that started them: started during lowered guest code, they would run the
 * runtime's Python output callbacks in the idle class or at nice 19 for life. Such a thread
 * is brought to the loop's priority once, before its first callback takes the GIL. */
static void as_loop(void) {
    if (as_loop_done || guest_mode != GUEST_AS_IS || lowered_now) return;
    as_loop_done = 1;
    struct sched_param param = {0};
    if (sched_getscheduler(0) == SCHED_IDLE) pthread_setschedparam(pthread_self(), SCHED_OTHER, &param);
    errno = 0;
    int current = getpriority(PRIO_PROCESS, (id_t)thread_id());
    if (loop_nice_known && !(current == -1 && errno) && current > loop_nice)
        setpriority(PRIO_PROCESS, (id_t)thread_id(), loop_nice);
}
#else /* elsewhere: the runtime lowers its threads for their whole life */
int edge_calls_guest_priority(int mode, int nice) {
    (void)mode;
    (void)nice;
    return -1;
}
static int lower(void) { return 0; }
static void restore(int lowered) { (void)lowered; }
static void note_loop_priority(void) {}
static void as_loop(void) {}
#endif

/* ---- host calls -----------------------------------------------------------------------
 * The runtime's host functions and WASI output streams are Python callbacks: they take the
 * GIL. Called from guest code at a lowered priority they would take it at that priority,
 * the inversion guest priority exists to avoid; so they are entered through these, which
 * restore the thread's own priority for the callback and lower it again for the rest of
 * the guest's run. */

typedef void *(*host_t)(void *env, void *caller, void *args, size_t nargs);

/* A host function (wasmtime_func_unchecked_callback_t); env is the Python callback. */
void *edge_calls_host(void *env, void *caller, void *args, size_t nargs) {
    int was = lowered_now;
    restore(was);
    void *trap = ((host_t)env)(NULL, caller, args, nargs);
    if (was) lower();
    return trap;
}

typedef ssize_t (*output_t)(void *data, const unsigned char *buf, size_t n);
typedef struct {
    output_t to;
    uint64_t key;
} output_route;

/* Output for the runtime's callback `to` (Python: it takes the GIL), at the thread's own
 * priority; back to the guest's afterwards. The preparer's streams (preparer.c) use it too. */
ssize_t edge_calls_forward(output_t to, uint64_t key, const unsigned char *buf, size_t n) {
    as_loop();
    int was = lowered_now;
    restore(was);
    ssize_t written = to((void *)(uintptr_t)key, buf, n);
    if (was) lower();
    return written;
}

/* A WASI output stream's callback; data is an output_route (edge_calls_output_route). */
ssize_t edge_calls_output(void *data, const unsigned char *buf, size_t n) {
    output_route *route = data;
    return edge_calls_forward(route->to, route->key, buf, n);
}

/* The data word for edge_calls_output: the Python callback and the slot's key. The WASI
 * config owns it and frees it with edge_calls_free. NULL if out of memory. */
void *edge_calls_output_route(void *to, uint64_t key) {
    output_route *route = malloc(sizeof *route);
    if (route) {
        route->to = (output_t)to;
        route->key = key;
    }
    return route;
}

void edge_calls_free(void *p) { free(p); }

static void arm(edge_call *c) {
    if (c->flags & TIMED) api.set_epoch_deadline(c->ctx, c->ticks);
}

static int32_t stop(edge_call *c, int32_t stage) {
    c->stage = stage;
    return stage;
}

static void read_fuel(edge_call *c) {
    c->fuel_left = 0;
    if (c->flags & METERED) c->fuel_err = api.get_fuel(c->ctx, &c->fuel_left); /* the runtime frees it */
}

/* An export into the runtime's struct at `out`; 0, or the stage that stopped it. */
static int32_t export_into(edge_call *c, const char *name, int kind, int which, void *out) {
    unsigned char ext[128] __attribute__((aligned(16)));
    size_t item = kind == EXTERN_MEMORY ? api.memory_size : api.func_size;
    if (api.extern_size > sizeof ext || api.extern_of_offset + item > sizeof ext) {
        c->missing = which;
        return EXPORT_MISSING;
    }
    memset(ext, 0, sizeof ext);
    if (!api.export_get(c->ctx, c->instance, name, strlen(name), ext)) {
        c->missing = which;
        return EXPORT_MISSING;
    }
    if (ext[0] != kind) {
        c->missing = which;
        return EXPORT_KIND;
    }
    memcpy(out, ext + api.extern_of_offset, item);
    return DONE;
}

/* A reactor's instance in a new store: limiter, fuel and deadline, instantiate, its exports
 * and `_initialize`. The fuel left afterwards tells the runtime what start-up used. */
static int32_t instantiate(edge_call *c, void *pre, int64_t memory_limit) {
    c->err = c->trap = c->fuel_err = NULL;
    c->missing = 0;
    c->memory_ready = 0;
    c->ctx = api.store_context(c->store);
    api.store_limiter(c->store, memory_limit, -1, -1, -1, -1);
    if (c->flags & METERED) {
        c->err = api.set_fuel(c->ctx, c->fuel);
        if (c->err) return stop(c, FUEL_UNSET);
    }
    arm(c);
    c->err = api.instantiate(pre, c->ctx, c->instance, &c->trap);
    if (c->err || c->trap) return stop(c, INSTANTIATE_FAILED);
    int32_t stage = export_into(c, "memory", EXTERN_MEMORY, 1, c->memory);
    if (stage) return stop(c, stage);
    c->memory_ready = 1; /* a start function has run already, but _initialize may log */
    if ((stage = export_into(c, "edge_alloc", EXTERN_FUNC, 2, c->alloc))
        || (stage = export_into(c, "edge_handle", EXTERN_FUNC, 3, c->handle)))
        return stop(c, stage);
    if (c->flags & INITIALIZE) {
        unsigned char init[64] __attribute__((aligned(16)));
        if (api.func_size > sizeof init) return stop(c, EXPORT_MISSING);
        if ((stage = export_into(c, "_initialize", EXTERN_FUNC, 4, init))) return stop(c, stage);
        c->err = api.call(c->ctx, init, c->vals, 0, &c->trap);
        if (c->err || c->trap) return stop(c, INIT_FAILED);
    }
    read_fuel(c);
    return stop(c, DONE);
}

/* One invocation of a reactor: fuel and deadline, edge_alloc(n), the event copied in,
 * edge_handle(ptr, n). On DONE, `packed` is the handler's result and base/size describe
 * linear memory as the call left it; the runtime checks and copies the result out. */
static int32_t reactor(edge_call *c, const uint8_t *event, size_t n) {
    c->err = c->trap = c->fuel_err = NULL;
    c->fuel_left = 0;
    c->base = NULL;
    c->size = 0;
    if (c->flags & METERED) {
        c->err = api.set_fuel(c->ctx, c->fuel);
        if (c->err) return stop(c, FUEL_UNSET);
    }
    arm(c);
    uint8_t *vals = c->vals; /* two wasmtime_val_raw_t: i32 and i64 both at offset 0 of each */
    uint32_t word;
    memset(vals, 0, 2 * api.val_size);
    word = (uint32_t)n;
    memcpy(vals, &word, sizeof word);
    c->err = api.call(c->ctx, c->alloc, vals, 1, &c->trap);
    if (c->err || c->trap) {
        read_fuel(c);
        return stop(c, ALLOC_FAILED);
    }
    uint32_t ptr;
    memcpy(&ptr, vals, sizeof ptr);
    c->ptr = ptr;
    uint8_t *base = api.memory_data(c->ctx, c->memory);
    size_t size = api.memory_data_size(c->ctx, c->memory);
    if (ptr == 0 || (uint64_t)ptr + n > size) {
        c->base = base;
        c->size = size;
        read_fuel(c);
        return stop(c, ALLOC_UNUSABLE);
    }
    if (n) memcpy(base + ptr, event, n);
    memset(vals, 0, 2 * api.val_size);
    memcpy(vals, &ptr, sizeof ptr);
    word = (uint32_t)n;
    memcpy(vals + api.val_size, &word, sizeof word);
    c->err = api.call(c->ctx, c->handle, vals, 2, &c->trap);
    c->base = api.memory_data(c->ctx, c->memory);
    c->size = api.memory_data_size(c->ctx, c->memory);
    read_fuel(c);
    if (c->err || c->trap) return stop(c, HANDLE_FAILED);
    memcpy(&c->packed, vals, sizeof c->packed);
    return stop(c, DONE);
}

int32_t edge_call_instantiate(edge_call *c, void *pre, int64_t memory_limit) {
    int lowered = lower();
    int32_t stage = instantiate(c, pre, memory_limit);
    restore(lowered);
    return stage;
}

/* A used instance's slot made fresh again: its store torn down and a new one, with the same
 * data word (the runtime's key for host calls), instantiated into the same structs. One call
 * instead of two steps and a new set of structs on the runtime's side (bench/README.md,
 * finding 32); what the guest sees is the same as a new slot's. */
int32_t edge_call_renew(edge_call *c, void *engine, uint64_t key, void *pre, int64_t memory_limit) {
    if (c->store) api.store_delete(c->store);
    c->ctx = NULL;
    c->memory_ready = 0;
    c->store = api.store_new(engine, (void *)(uintptr_t)key, NULL);
    if (!c->store) {
        c->err = c->trap = c->fuel_err = NULL;
        return stop(c, STORE_FAILED);
    }
    return edge_call_instantiate(c, pre, memory_limit);
}

int32_t edge_call_reactor(edge_call *c, const uint8_t *event, size_t n) {
    int lowered = lower();
    int32_t stage = reactor(c, event, n);
    restore(lowered);
    return stage;
}

/* A guest call for the runtime's own path (commands, WASI reactors): guest priority applies. */
void *edge_call_guest(void *ctx, const void *func, void *args, size_t nargs, void **trap_out) {
    int lowered = lower();
    void *err = api.call(ctx, func, args, nargs, trap_out);
    restore(lowered);
    return err;
}
