/*
 * The JavaScript engine's allocator while a function loads: what is freed is zeroed first.
 *
 * Wizer snapshots every non-zero byte of linear memory into the function module. Loading a
 * function frees a lot on the way (the Node layer's source text, ~3.5 MB of parser state,
 * intermediate tables); with the libc allocator those bytes keep their old contents and would
 * ship in every function's data segments: 2.5 MB of a 3.5 MB module, where 0.5 MB is live.
 * (bench/README.md, the JavaScript findings.) After the snapshot it is the libc allocator.
 */
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include "quickjs.h"

static int loading;

void edge_heap_loading(int on) { loading = on; }

static void *heap_calloc(void *opaque, size_t count, size_t size) { return calloc(count, size); }
static void *heap_malloc(void *opaque, size_t size) { return malloc(size); }
static size_t heap_usable(const void *p) { return malloc_usable_size((void *)p); }

static void heap_free(void *opaque, void *p) {
    if (p && loading) explicit_bzero(p, malloc_usable_size(p)); /* explicit_bzero: not elided before free() */
    free(p);
}

static void *heap_realloc(void *opaque, void *p, size_t size) {
    if (!loading || !p || !size) return realloc(p, size);
    size_t old = malloc_usable_size(p);
    if (size <= old) return p; /* the block keeps its size; the spare tail is zeroed with it */
    void *grown = malloc(size);  /* not realloc: the old copy must be zeroed */
    if (!grown) return NULL;
    memcpy(grown, p, old);
    heap_free(opaque, p);
    return grown;
}

const JSMallocFunctions edge_heap_functions = { heap_calloc, heap_malloc, heap_free, heap_realloc, heap_usable };

/* free() for the glue's own buffers: zeroed first while loading, like the engine's */
void edge_heap_free_buffer(void *p, size_t len) {
    if (p && loading) explicit_bzero(p, len);
    free(p);
}
