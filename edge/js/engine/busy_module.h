/*
 * require() of an ES module in a cycle (included into QuickJS's quickjs.c by engine.py's
 * QUICKJS_EDITS; not a unit of its own).
 *
 * Why: edge_js.c's requireModule evaluates, at once, a module that imports the one required. When
 * that module (or one it imports) was itself being loaded or run, QuickJS went ahead: a module whose
 * imports are still being loaded (a CommonJS file an ES module imports runs then, in the Node layer,
 * and it may require() the ES module back) has NULL where they will be, and linking it read through
 * NULL (the engine trapped: out of bounds memory access). Node throws ERR_REQUIRE_CYCLE_MODULE
 * there; so does the loader (node/loader.js), when this finds such a module first.
 */

typedef struct {
    JSModuleDef **seen;
    int count, size;
} EdgeModuleWalk;

/* 1 with *busy (and its importer and the specifier it imports it by) when m or a module it
 * imports, depth first, is being loaded, linked or evaluated; 0 when none is; -1 on an exception */
static int edge_find_busy(JSContext *ctx, JSModuleDef *m, EdgeModuleWalk *w, JSModuleDef **busy,
                          JSModuleDef **importer, JSAtom *specifier)
{
    int i, r;

    if (js_check_stack_overflow(ctx->rt, 0)) {
        JS_ThrowStackOverflow(ctx);
        return -1;
    }
    if (m->status == JS_MODULE_STATUS_EVALUATING_ASYNC || m->status == JS_MODULE_STATUS_EVALUATED)
        return 0; /* its imports were evaluated first */
    if (m->status == JS_MODULE_STATUS_LINKING || m->status == JS_MODULE_STATUS_EVALUATING) {
        *busy = m;
        return 1;
    }
    for (i = 0; i < w->count; i++)
        if (w->seen[i] == m)
            return 0;
    if (js_resize_array(ctx, (void **)&w->seen, sizeof(w->seen[0]), &w->size, w->count + 1))
        return -1;
    w->seen[w->count++] = m;
    for (i = 0; i < m->req_module_entries_count; i++) {
        if (!m->req_module_entries[i].module) { /* still being loaded */
            *busy = m;
            return 1;
        }
    }
    for (i = 0; i < m->req_module_entries_count; i++) {
        JSReqModuleEntry *rme = &m->req_module_entries[i];
        r = edge_find_busy(ctx, rme->module, w, busy, importer, specifier);
        if (r != 0) {
            if (r > 0 && *importer == NULL) { /* the first frame to return it imports it */
                *importer = m;
                *specifier = rme->module_name;
            }
            return r;
        }
    }
    return 0;
}

/* For edge_js.c: the module of m's graph (m, resolved, not yet evaluated, included) that is being
 * loaded, linked or evaluated, or NULL (also on an exception: then *failed is set). *importer is
 * the module that imports it (NULL when it is m) and *specifier the name it does so by. */
JSModuleDef *edge_busy_module(JSContext *ctx, JSModuleDef *m, JSModuleDef **importer, JSAtom *specifier,
                              int *failed)
{
    EdgeModuleWalk w = { NULL, 0, 0 };
    JSModuleDef *busy = NULL;
    int r;

    *importer = NULL;
    *specifier = JS_ATOM_NULL;
    r = edge_find_busy(ctx, m, &w, &busy, importer, specifier);
    js_free(ctx, w.seen);
    *failed = r < 0;
    return r > 0 ? busy : NULL;
}
