/*
 * Stack frames as V8 (Node 20) writes them (included into QuickJS's quickjs.c by engine.py's
 * QUICKJS_EDITS; not a unit of its own).
 *
 * Why: a stack trace is the most visible part of every failure a function logs, and QuickJS wrote
 * its frames its own way: `at parseError (...)` for a method (V8: `at Parser.parseError (...)`),
 * `at Parser (...)` for a constructor (`at new Parser (...)`), `at <anonymous> (file:1:2)` for an
 * anonymous function (`at file:1:2`), `at parse (native)` for a built-in (`at JSON.parse
 * (<anonymous>)`), and no `at async fn (...)` frames for the async functions awaiting the one that
 * failed (V8's zero-cost async stack traces).
 *
 * What V8 does, and so this:
 * - The frame's receiver (`this`, kept on each stack frame: JSStackFrame.edge_this) decides. None
 *   (undefined, null, the global object) is a plain call: `fn (loc)`, or `loc` alone for an
 *   anonymous function. `new`: `new Fn (loc)`. Any other receiver is a method call:
 *   `Type.fn [as method] (loc)`, where Type is the receiver's constructor name (its own or its
 *   prototypes' Symbol.toStringTag data property, else the first prototype's `constructor` function
 *   name other than Object: V8's JSReceiver::GetConstructorName; a class's static method shows the
 *   class), written only when the function's name is an identifier (`o.a.b`, `get x` are left
 *   alone); and method is the property of the receiver or its prototypes that holds the function
 *   when the function's own name is not it (`[as alias]`; V8 looks its name up, then every
 *   enumerable property, and gives none when two hold it).
 * - A built-in's location is `<anonymous>`, and those V8 does not show (Function.prototype.call and
 *   apply, Reflect.apply and construct, RegExp's own [Symbol.replace] and the like under a String
 *   method) are left out.
 * - After the frames on the stack, when the code runs in a promise job: the chain of async
 *   functions awaiting its promise, each `async fn (loc)` (its receiver as above, loc where it
 *   awaits), and `async Promise.all (index n)` (allSettled, any) for a combinator in between, as
 *   V8's CaptureAsyncStackTrace walks it (a promise still pending, with exactly one reaction).
 * The same is what CallSites answer (getTypeName, getMethodName, isToplevel, isAsync,
 * isPromiseAll, getPromiseIndex, toString) to Error.prepareStackTrace.
 *
 * Nothing here runs JavaScript, allocates on failure paths it cannot recover from, or throws: the
 * names are read from own data properties only (no getter, no Proxy trap), as V8 reads them.
 */

static bool edge_is_global_layer_file(JSContext *ctx, JSAtom filename)
{
    char buf[8];

    JS_AtomGetStr(ctx, buf, sizeof(buf), filename);
    return strncmp(buf, "node:", 5) == 0 || strncmp(buf, "cjs:", 4) == 0;
}

/* an own data property (not a getter; a built-in's made now if not yet), or NULL */
static JSProperty *edge_own_data(JSContext *ctx, JSObject *p, JSAtom atom)
{
    JSProperty *pr;
    JSShapeProperty *prs = find_own_property(&pr, p, atom);

    if (prs && (prs->flags & JS_PROP_TMASK) == JS_PROP_AUTOINIT && !edge_is_lazy_stack(prs, pr)) {
        if (JS_AutoInitProperty(ctx, p, atom, pr, prs)) {
            JS_FreeValue(ctx, JS_GetException(ctx));
            return NULL;
        }
        prs = find_own_property(&pr, p, atom);
    }
    if (!prs || (prs->flags & JS_PROP_TMASK) != JS_PROP_NORMAL)
        return NULL;
    return pr;
}

/* an own data property as it is now, or NULL: a built-in's property not made yet (QuickJS makes
   a function's `prototype` on first use) is not made here, where it could only compare unequal */
static JSProperty *edge_own_data_now(JSObject *p, JSAtom atom)
{
    JSProperty *pr;
    JSShapeProperty *prs = find_own_property(&pr, p, atom);

    if (!prs || (prs->flags & JS_PROP_TMASK) != JS_PROP_NORMAL)
        return NULL;
    return pr;
}

/* The entry points keep the exception being thrown (whose stack this is) as it was: what fails
   here (out of memory) is dropped, and the frame goes without the name it could not have. */
#define EDGE_KEEP_EXCEPTION JSValue edge_pending = JS_GetException(ctx)
#define EDGE_RESTORE_EXCEPTION do { JS_FreeValue(ctx, JS_GetException(ctx)); JS_Throw(ctx, edge_pending); } while (0)

static bool edge_nonempty_string(JSValueConst v)
{
    return JS_VALUE_GET_TAG(v) == JS_TAG_STRING && JS_VALUE_GET_STRING(v)->len > 0;
}

/* V8's GetDebugName: the `name` data property when a non-empty string, else the name the function
   was made with, else the name inferred from what it was assigned to (inferred_names.h); JS_NULL */
static JSValue edge_debug_name(JSContext *ctx, JSObject *fp)
{
    JSProperty *pr = edge_own_data(ctx, fp, JS_ATOM_name);

    if (pr && edge_nonempty_string(pr->u.value))
        return js_dup(pr->u.value);
    if (js_class_has_bytecode(fp->class_id)) {
        JSFunctionBytecode *b = fp->u.func.function_bytecode;
        if (b->func_name != JS_ATOM_NULL && b->func_name != JS_ATOM_empty_string)
            return JS_AtomToString(ctx, b->func_name);
        if (b->edge_inferred_name != JS_ATOM_NULL)
            return JS_AtomToString(ctx, b->edge_inferred_name);
    }
    return JS_NULL;
}

static JSValue edge_no_exception(JSContext *ctx, JSValue v)
{
    if (JS_IsException(v)) {
        JS_FreeValue(ctx, JS_GetException(ctx));
        return JS_NULL;
    }
    return v;
}

/* a receiver with no type: a plain call */
static bool edge_is_toplevel(JSContext *ctx, JSValueConst this_val)
{
    int tag = JS_VALUE_GET_TAG(this_val);

    if (tag == JS_TAG_UNDEFINED || tag == JS_TAG_NULL || tag == JS_TAG_UNINITIALIZED)
        return true;
    return tag == JS_TAG_OBJECT && JS_VALUE_GET_OBJ(this_val) == JS_VALUE_GET_OBJ(ctx->global_obj);
}

/* the object a property of the receiver is looked up on (a primitive's prototype), or NULL */
static JSObject *edge_receiver_object(JSContext *ctx, JSValueConst this_val)
{
    int class_id;

    switch (JS_VALUE_GET_TAG(this_val)) {
    case JS_TAG_OBJECT: return JS_VALUE_GET_OBJ(this_val);
    case JS_TAG_STRING: class_id = JS_CLASS_STRING; break;
    case JS_TAG_INT: case JS_TAG_FLOAT64: class_id = JS_CLASS_NUMBER; break;
    case JS_TAG_BOOL: class_id = JS_CLASS_BOOLEAN; break;
    case JS_TAG_SYMBOL: class_id = JS_CLASS_SYMBOL; break;
    case JS_TAG_BIG_INT: case JS_TAG_SHORT_BIG_INT: class_id = JS_CLASS_BIG_INT; break;
    default: return NULL;
    }
    return JS_VALUE_GET_TAG(ctx->class_proto[class_id]) == JS_TAG_OBJECT ? JS_VALUE_GET_OBJ(ctx->class_proto[class_id]) : NULL;
}

static bool edge_is_ascii(JSValueConst v, const char *text)
{
    JSString *p = JS_VALUE_GET_STRING(v);

    return !p->is_wide_char && p->len == strlen(text) && memcmp(str8(p), text, p->len) == 0;
}

/* a constructor's name for a type: not empty, not Object (V8 goes on looking past those) */
static JSValue edge_ctor_name(JSContext *ctx, JSValueConst ctor)
{
    JSValue name;

    if (JS_VALUE_GET_TAG(ctor) != JS_TAG_OBJECT || !JS_IsFunction(ctx, ctor))
        return JS_NULL;
    name = edge_no_exception(ctx, edge_debug_name(ctx, JS_VALUE_GET_OBJ(ctor)));
    if (JS_IsNull(name))
        return name;
    if (edge_is_ascii(name, "Object")) {
        JS_FreeValue(ctx, name);
        return JS_NULL;
    }
    return name;
}

/* V8's JSReceiver::GetConstructorName, for getTypeName */
static JSValue edge_receiver_type(JSContext *ctx, JSObject *p)
{
    JSObject *q, *proto;
    JSProperty *pr;
    JSValue name;
    int depth;

    if (p->class_id == JS_CLASS_PROXY)  /* V8: `at Proxy.go` for a method called through one */
        return JS_AtomToString(ctx, JS_ATOM_Proxy);
    /* V8 first asks the object's map for the function that made it: a class's or a constructor's
       instance (its prototype's `constructor`, whose `prototype` that is), a generator function's
       generator */
    if (p->class_id == JS_CLASS_GENERATOR && p->u.generator_data &&
        p->u.generator_data->state != JS_GENERATOR_STATE_COMPLETED) {
        name = edge_ctor_name(ctx, p->u.generator_data->func_state.frame.cur_func);
        if (!JS_IsNull(name))
            return name;
    }
    proto = p->shape->proto;
    if (proto && proto->class_id != JS_CLASS_PROXY && (pr = edge_own_data(ctx, proto, JS_ATOM_constructor)) &&
        JS_VALUE_GET_TAG(pr->u.value) == JS_TAG_OBJECT) {
        JSProperty *pp = edge_own_data_now(JS_VALUE_GET_OBJ(pr->u.value), JS_ATOM_prototype);
        if (pp && JS_VALUE_GET_TAG(pp->u.value) == JS_TAG_OBJECT && JS_VALUE_GET_OBJ(pp->u.value) == proto) {
            name = edge_ctor_name(ctx, pr->u.value);
            if (!JS_IsNull(name))
                return name;
        }
    }
    for (q = p, depth = 0; q && q->class_id != JS_CLASS_PROXY && depth < 1000; q = q->shape->proto, depth++) {
        pr = edge_own_data(ctx, q, JS_ATOM_Symbol_toStringTag);
        if (pr && JS_VALUE_GET_TAG(pr->u.value) == JS_TAG_STRING)
            return js_dup(pr->u.value);
        if (q != p && (pr = edge_own_data(ctx, q, JS_ATOM_constructor))) {
            name = edge_ctor_name(ctx, pr->u.value);
            if (!JS_IsNull(name))
                return name;
        }
    }
    if (JS_IsFunction(ctx, JS_MKPTR(JS_TAG_OBJECT, p)))
        return JS_AtomToString(ctx, JS_ATOM_Function);
    return JS_AtomToString(ctx, ctx->rt->class_array[p->class_id].class_name);
}

/* getTypeName: the receiver's type for a method call, else JS_NULL */
static JSValue edge_type_name(JSContext *ctx, JSValueConst this_val)
{
    switch (JS_VALUE_GET_TAG(this_val)) {
    case JS_TAG_OBJECT: return edge_receiver_type(ctx, JS_VALUE_GET_OBJ(this_val));
    case JS_TAG_STRING: return JS_AtomToString(ctx, JS_ATOM_String);
    case JS_TAG_INT: case JS_TAG_FLOAT64: return JS_AtomToString(ctx, JS_ATOM_Number);
    case JS_TAG_BOOL: return JS_AtomToString(ctx, JS_ATOM_Boolean);
    case JS_TAG_SYMBOL: return JS_AtomToString(ctx, JS_ATOM_Symbol);
    case JS_TAG_BIG_INT: case JS_TAG_SHORT_BIG_INT: return JS_AtomToString(ctx, JS_ATOM_BigInt);
    default: return JS_NULL;
    }
}

/* a class (its `prototype` read-only), whose name a static method's frame shows */
static bool edge_is_class(JSValueConst v)
{
    JSObject *p;
    JSShapeProperty *prs;
    JSProperty *pr;

    if (JS_VALUE_GET_TAG(v) != JS_TAG_OBJECT)
        return false;
    p = JS_VALUE_GET_OBJ(v);
    if (!js_class_has_bytecode(p->class_id) || !p->is_constructor)
        return false;
    prs = find_own_property(&pr, p, JS_ATOM_prototype);
    return prs && (prs->flags & (JS_PROP_TMASK | JS_PROP_WRITABLE)) == JS_PROP_NORMAL;
}

/* whether obj's own `atom` (or, `chain`, the first found on its prototypes) holds `fn`, as a
   value, a getter or a setter (V8's CheckMethodName) */
static bool edge_holds(JSObject *obj, JSAtom atom, JSObject *fn, bool chain)
{
    JSProperty *pr;
    JSShapeProperty *prs;
    int depth;

    for (depth = 0; obj && obj->class_id != JS_CLASS_PROXY && depth < 1000; obj = obj->shape->proto, depth++) {
        prs = find_own_property(&pr, obj, atom);
        if (prs) {
            switch (prs->flags & JS_PROP_TMASK) {
            case JS_PROP_NORMAL:
                return JS_VALUE_GET_TAG(pr->u.value) == JS_TAG_OBJECT && JS_VALUE_GET_OBJ(pr->u.value) == fn;
            case JS_PROP_GETSET:
                return pr->u.getset.getter == fn || pr->u.getset.setter == fn;
            default:
                return false;
            }
        }
        if (!chain)
            return false;
    }
    return false;
}

/* getMethodName: the name under which the receiver (or a prototype) holds the function, or JS_NULL */
static JSValue edge_method_name(JSContext *ctx, JSValueConst func, JSValueConst this_val)
{
    JSObject *recv = edge_receiver_object(ctx, this_val), *fn, *q;
    JSValue name = JS_NULL;
    JSAtom atom, found = JS_ATOM_NULL;
    int depth;

    if (!recv || JS_VALUE_GET_TAG(func) != JS_TAG_OBJECT)
        return JS_NULL;
    fn = JS_VALUE_GET_OBJ(func);
    /* its own name (a getter's and setter's without `get `/`set `) */
    if (js_class_has_bytecode(fn->class_id) && fn->u.func.function_bytecode->func_name != JS_ATOM_NULL &&
        fn->u.func.function_bytecode->func_name != JS_ATOM_empty_string) {
        name = JS_AtomToString(ctx, fn->u.func.function_bytecode->func_name);
    } else {
        JSProperty *pr = edge_own_data(ctx, fn, JS_ATOM_name);
        if (pr && edge_nonempty_string(pr->u.value))
            name = js_dup(pr->u.value);
    }
    name = edge_no_exception(ctx, name);
    if (!JS_IsNull(name)) {
        JSString *s = JS_VALUE_GET_STRING(name);
        if (s->len > 4 && !s->is_wide_char && (memcmp(str8(s), "get ", 4) == 0 || memcmp(str8(s), "set ", 4) == 0)) {
            JSValue stripped = js_sub_string(ctx, s, 4, s->len);
            JS_FreeValue(ctx, name);
            name = edge_no_exception(ctx, stripped);
        }
    }
    if (!JS_IsNull(name)) {
        atom = JS_NewAtomStr(ctx, JS_VALUE_GET_STRING(js_dup(name)));
        if (atom != JS_ATOM_NULL) {
            bool held = edge_holds(recv, atom, fn, true);
            JS_FreeAtom(ctx, atom);
            if (held)
                return name;
        } else {
            JS_FreeValue(ctx, JS_GetException(ctx));
        }
        JS_FreeValue(ctx, name);
    }
    /* else the one enumerable property (string-keyed) of the receiver or a prototype that holds it */
    for (q = recv, depth = 0; q && q->class_id != JS_CLASS_PROXY && depth < 1000; q = q->shape->proto, depth++) {
        JSShape *sh = q->shape;
        JSShapeProperty *prs = get_shape_prop(sh);
        uint32_t i;
        for (i = 0; i < sh->prop_count; i++, prs++) {
            if (prs->atom == JS_ATOM_NULL || !(prs->flags & JS_PROP_ENUMERABLE) ||
                JS_AtomGetKind(ctx, prs->atom) != JS_ATOM_KIND_STRING)
                continue;
            if (!edge_holds(q, prs->atom, fn, false))
                continue;
            if (found != JS_ATOM_NULL)
                return JS_NULL; /* two: none, as V8 */
            found = prs->atom;
        }
    }
    return found == JS_ATOM_NULL ? JS_NULL : edge_no_exception(ctx, JS_AtomToString(ctx, found));
}

/* V8's GetFunctionName */
static JSValue edge_function_name(JSContext *ctx, JSValueConst func)
{
    if (JS_VALUE_GET_TAG(func) != JS_TAG_OBJECT)
        return JS_NULL;
    return edge_no_exception(ctx, edge_debug_name(ctx, JS_VALUE_GET_OBJ(func)));
}

/* a frame's names, as V8 has them */
typedef struct EdgeFrameNames {
    JSValue func_name, type_name, method_name; /* JS_NULL when none */
    JSValue text_type; /* the type the text shows: a class's own name for its static methods */
    bool toplevel, constructor;
} EdgeFrameNames;

static void edge_frame_names(JSContext *ctx, EdgeFrameNames *n, JSValueConst func, JSValueConst this_val,
                             bool is_constructor)
{
    n->func_name = edge_function_name(ctx, func);
    n->constructor = is_constructor;
    n->toplevel = !is_constructor && edge_is_toplevel(ctx, this_val);
    n->type_name = n->method_name = n->text_type = JS_NULL;
    if (n->toplevel || is_constructor)
        return;
    n->type_name = edge_no_exception(ctx, edge_type_name(ctx, this_val));
    n->method_name = edge_method_name(ctx, func, this_val);
    if (edge_is_class(this_val))
        n->text_type = edge_function_name(ctx, this_val);
    if (JS_IsNull(n->text_type))
        n->text_type = js_dup(n->type_name);
}

static void edge_frame_names_free(JSContext *ctx, EdgeFrameNames *n)
{
    JS_FreeValue(ctx, n->func_name);
    JS_FreeValue(ctx, n->type_name);
    JS_FreeValue(ctx, n->method_name);
    JS_FreeValue(ctx, n->text_type);
}

static void edge_put_string(JSContext *ctx, DynBuf *db, JSValueConst s)
{
    size_t len;
    const char *str = JS_ToCStringLen(ctx, &len, s);

    if (!str) {
        JS_FreeValue(ctx, JS_GetException(ctx));
        return;
    }
    dbuf_put(db, (const uint8_t *)str, len);
    JS_FreeCString(ctx, str);
}

/* V8 writes the type before a function's name only when the name is an identifier */
static bool edge_is_identifier(JSContext *ctx, JSValueConst s)
{
    JSString *p = JS_VALUE_GET_STRING(s);
    uint32_t i;

    for (i = 0; i < p->len; i++) {
        uint32_t c = string_get(p, i);
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '$' || c == '_' || c >= 0x80 ||
                  (i > 0 && c >= '0' && c <= '9');
        if (!ok)
            return false;
    }
    return p->len > 0;
}

/* V8's StringEndsWithMethodName: `name` is `method`, or ends in `.method` */
static bool edge_ends_with_method(JSValueConst name, JSValueConst method)
{
    JSString *s = JS_VALUE_GET_STRING(name), *m = JS_VALUE_GET_STRING(method);
    uint32_t i;

    if (m->len > s->len)
        return false;
    for (i = 1; i <= m->len; i++) {
        uint32_t a = string_get(s, s->len - i);
        uint32_t b = string_get(m, m->len - i);
        if (a != b)
            return false;
    }
    if (m->len == s->len)
        return true;
    return string_get(s, s->len - m->len - 1) == '.';
}

/* the location: `file:line:column`, `<anonymous>` for a built-in */
static void edge_put_location(JSContext *ctx, DynBuf *db, JSValueConst func, const uint8_t *cur_pc)
{
    JSObject *p = JS_VALUE_GET_OBJ(func);

    if (js_class_has_bytecode(p->class_id)) {
        JSFunctionBytecode *b = p->u.func.function_bytecode;
        if (cur_pc) {
            int line, col;
            const char *file = b->filename ? JS_AtomToCString(ctx, b->filename) : NULL;
            line = find_line_num(ctx, b, cur_pc - b->byte_code_buf - 1, &col);
            dbuf_putstr(db, file ? file : "<null>");
            if (!file)
                JS_FreeValue(ctx, JS_GetException(ctx));
            JS_FreeCString(ctx, file);
            if (line != -1)
                dbuf_printf(db, ":%d:%d", line, col);
        } else {
            dbuf_putstr(db, "missing");
        }
    } else {
        dbuf_putstr(db, "<anonymous>");
    }
}

/* V8's SerializeJSStackFrame: the frame's text after `at ` */
static void edge_put_frame(JSContext *ctx, DynBuf *db, EdgeFrameNames *n, JSValueConst func,
                           const uint8_t *cur_pc, bool is_async)
{
    if (is_async)
        dbuf_putstr(db, "async ");
    if (!n->toplevel && !n->constructor) {
        if (!JS_IsNull(n->func_name)) {
            if (edge_nonempty_string(n->text_type) && edge_is_identifier(ctx, n->func_name)) {
                edge_put_string(ctx, db, n->text_type);
                dbuf_putc(db, '.');
            }
            edge_put_string(ctx, db, n->func_name);
            if (!JS_IsNull(n->method_name) && !edge_ends_with_method(n->func_name, n->method_name)) {
                dbuf_putstr(db, " [as ");
                edge_put_string(ctx, db, n->method_name);
                dbuf_putc(db, ']');
            }
        } else {
            if (edge_nonempty_string(n->text_type)) {
                edge_put_string(ctx, db, n->text_type);
                dbuf_putc(db, '.');
            }
            if (!JS_IsNull(n->method_name))
                edge_put_string(ctx, db, n->method_name);
            else
                dbuf_putstr(db, "<anonymous>");
        }
    } else if (n->constructor) {
        dbuf_putstr(db, "new ");
        if (!JS_IsNull(n->func_name))
            edge_put_string(ctx, db, n->func_name);
        else
            dbuf_putstr(db, "<anonymous>");
    } else if (!JS_IsNull(n->func_name)) {
        edge_put_string(ctx, db, n->func_name);
    } else {
        edge_put_location(ctx, db, func, cur_pc);
        return;
    }
    dbuf_putstr(db, " (");
    edge_put_location(ctx, db, func, cur_pc);
    dbuf_putc(db, ')');
}

/* a built-in V8 runs without a frame of its own: Function.prototype.call and apply, Reflect.apply
   and construct, Array(); RegExp's [Symbol.replace] and the like when a built-in (String's
   replace, split, match, matchAll, search) called it; a string's concat() called by code (a
   template literal's, or an explicit one, which V8 would show) */
static bool edge_hidden_frame(JSStackFrame *sf)
{
    JSObject *p = JS_VALUE_GET_OBJ(sf->cur_func);
    void *f;

    if (p->class_id != JS_CLASS_C_FUNCTION)
        return false;
    f = (void *)p->u.cfunc.c_function.generic;
    if (f == (void *)js_function_call || f == (void *)js_function_apply || f == (void *)js_reflect_apply ||
        f == (void *)js_reflect_construct || f == (void *)js_array_constructor)
        return true;
    /* a template literal's conversions (`${o}`: ''.concat(o) here; V8 converts with no call) */
    if (f == (void *)js_string_concat && JS_VALUE_GET_TAG(sf->edge_this) == JS_TAG_STRING && sf->prev_frame &&
        JS_VALUE_GET_TAG(sf->prev_frame->cur_func) == JS_TAG_OBJECT &&
        js_class_has_bytecode(JS_VALUE_GET_OBJ(sf->prev_frame->cur_func)->class_id))
        return true;
    if (f == (void *)js_regexp_Symbol_replace || f == (void *)js_regexp_Symbol_split ||
        f == (void *)js_regexp_Symbol_match || f == (void *)js_regexp_Symbol_matchAll ||
        f == (void *)js_regexp_Symbol_search) {
        JSStackFrame *caller = sf->prev_frame;
        return caller && JS_VALUE_GET_TAG(caller->cur_func) == JS_TAG_OBJECT &&
               JS_VALUE_GET_OBJ(caller->cur_func)->class_id == JS_CLASS_C_FUNCTION;
    }
    return false;
}

/* a frame on the stack, as text: `    at ...\n` */
static void edge_text_frame(JSContext *ctx, DynBuf *db, JSStackFrame *sf)
{
    EdgeFrameNames n;
    EDGE_KEEP_EXCEPTION;

    edge_frame_names(ctx, &n, sf->cur_func, sf->edge_this, sf->is_constructor);
    dbuf_putstr(db, "    at ");
    edge_put_frame(ctx, db, &n, sf->cur_func, sf->cur_pc, false);
    dbuf_putc(db, '\n');
    edge_frame_names_free(ctx, &n);
    EDGE_RESTORE_EXCEPTION;
}

/* a CallSite's V8 parts, after js_new_callsite_data made the engine's own (file, line, column,
   function) */
static void edge_fill_callsite(JSContext *ctx, JSCallSiteData *csd, JSValueConst func, JSValueConst this_val,
                               const uint8_t *cur_pc, bool is_constructor, bool is_async)
{
    EdgeFrameNames n;
    DynBuf db;
    EDGE_KEEP_EXCEPTION;

    edge_frame_names(ctx, &n, func, this_val, is_constructor);
    js_dbuf_init(ctx, &db);
    edge_put_frame(ctx, &db, &n, func, cur_pc, is_async);
    csd->edge_text = dbuf_error(&db) ? JS_NULL : edge_no_exception(ctx, JS_NewStringLen(ctx, (char *)db.buf, db.size));
    dbuf_free(&db);
    JS_FreeValue(ctx, csd->func_name);
    csd->func_name = n.func_name;
    csd->edge_type_name = n.type_name;
    csd->edge_method_name = n.method_name;
    JS_FreeValue(ctx, n.text_type);
    csd->edge_toplevel = n.toplevel;
    csd->edge_async = is_async;
    csd->edge_promise_index = -1;
    EDGE_RESTORE_EXCEPTION;
}

/* Async frames, from the promise reaction job running now (edge_current_job: its arguments, the
   derived promise's resolving functions, the handler, ...; set by promise_reaction_job) */

/* the promise a resolving function settles, or JS_UNDEFINED */
static JSValueConst edge_settles(JSValueConst f)
{
    JSObject *p;

    if (JS_VALUE_GET_TAG(f) != JS_TAG_OBJECT)
        return JS_UNDEFINED;
    p = JS_VALUE_GET_OBJ(f);
    if ((p->class_id != JS_CLASS_PROMISE_RESOLVE_FUNCTION && p->class_id != JS_CLASS_PROMISE_REJECT_FUNCTION) ||
        !p->u.promise_function_data)
        return JS_UNDEFINED;
    return p->u.promise_function_data->promise;
}

/* the async function an await's continuation resumes, or NULL */
static JSAsyncFunctionData *edge_awaiting(JSValueConst handler)
{
    JSObject *p;

    if (JS_VALUE_GET_TAG(handler) != JS_TAG_OBJECT)
        return NULL;
    p = JS_VALUE_GET_OBJ(handler);
    if (p->class_id != JS_CLASS_ASYNC_FUNCTION_RESOLVE && p->class_id != JS_CLASS_ASYNC_FUNCTION_REJECT)
        return NULL;
    return p->u.async_function_data && p->u.async_function_data->is_active ? p->u.async_function_data : NULL;
}

/* Promise.all's (allSettled's, any's) element function: its record, or NULL */
static JSCFunctionDataRecord *edge_combinator_element(JSValueConst handler)
{
    JSCFunctionDataRecord *s;

    if (JS_VALUE_GET_TAG(handler) != JS_TAG_OBJECT || JS_VALUE_GET_OBJ(handler)->class_id != JS_CLASS_C_FUNCTION_DATA)
        return NULL;
    s = JS_GetOpaque(handler, JS_CLASS_C_FUNCTION_DATA);
    return s && s->func == js_promise_all_resolve_element && s->data_len >= 4 ? s : NULL;
}

/* the one reaction of a pending promise's list, or NULL */
static JSPromiseReactionData *edge_one_reaction(JSPromiseData *pd, int which)
{
    struct list_head *el = pd->promise_reactions[which].next;

    if (el == &pd->promise_reactions[which] || el->next != &pd->promise_reactions[which])
        return NULL;
    return list_entry(el, JSPromiseReactionData, link);
}

/* Appends the async frames (text to db, or CallSites to csd from index i) up to `limit`; the new count */
static uint32_t edge_async_frames(JSContext *ctx, DynBuf *db, JSCallSiteData *csd, uint32_t i, uint32_t limit)
{
    JSValueConst promise = JS_UNDEFINED;
    JSAsyncFunctionData *s;
    int steps;

    EDGE_KEEP_EXCEPTION;

    if (!edge_current_job) {
        EDGE_RESTORE_EXCEPTION;
        return i;
    }
    s = edge_awaiting(edge_current_job[2]);
    if (s)
        promise = edge_settles(s->resolving_funcs[0]);
    else
        promise = edge_settles(edge_current_job[0]);
    for (steps = 0; i < limit && steps < 10000; steps++) {
        JSPromiseData *pd = JS_GetOpaque(promise, JS_CLASS_PROMISE);
        JSPromiseReactionData *rd, *rejected;
        JSCFunctionDataRecord *element = NULL;
        const char *combinator = NULL;

        if (!pd || pd->promise_state != JS_PROMISE_PENDING || !(rd = edge_one_reaction(pd, 0)))
            break;
        s = edge_awaiting(rd->handler);
        if (!s) {
            element = edge_combinator_element(rd->handler);
            if (element)
                combinator = (element->magic & 3) == PROMISE_MAGIC_allSettled ? "allSettled" : "all";
            else if ((rejected = edge_one_reaction(pd, 1)) && (element = edge_combinator_element(rejected->handler)) &&
                     (element->magic & 3) == PROMISE_MAGIC_any)
                combinator = "any";
        }
        if (s) {
            JSStackFrame *sf = &s->func_state.frame;
            JSObject *fp = JS_VALUE_GET_OBJ(sf->cur_func);
            if (!js_class_has_bytecode(fp->class_id) ||
                !edge_is_global_layer_file(ctx, fp->u.func.function_bytecode->filename)) {
                if (csd) {
                    js_new_callsite_data(ctx, &csd[i], sf);
                    edge_fill_callsite(ctx, &csd[i], sf->cur_func, s->func_state.this_val, sf->cur_pc, false, true);
                } else {
                    EdgeFrameNames n;
                    edge_frame_names(ctx, &n, sf->cur_func, s->func_state.this_val, false);
                    dbuf_putstr(db, "    at ");
                    edge_put_frame(ctx, db, &n, sf->cur_func, sf->cur_pc, true);
                    dbuf_putc(db, '\n');
                    edge_frame_names_free(ctx, &n);
                }
                i++;
            }
            promise = edge_settles(s->resolving_funcs[0]);
        } else if (combinator) {
            int32_t index = JS_VALUE_GET_TAG(element->data[1]) == JS_TAG_INT ? JS_VALUE_GET_INT(element->data[1]) : 0;
            if (csd) {
                JSCallSiteData *c = &csd[i];
                char text[64];
                c->filename = JS_NULL;
                c->func = JS_UNDEFINED;
                c->func_name = JS_NewString(ctx, combinator);
                c->native = false;
                c->constructor = false;
                c->line_num = c->col_num = -1;
                snprintf(text, sizeof(text), "async Promise.%s (index %d)", combinator, (int)index);
                c->edge_text = edge_no_exception(ctx, JS_NewString(ctx, text));
                c->edge_type_name = JS_AtomToString(ctx, JS_ATOM_Function);
                c->edge_method_name = JS_NewString(ctx, combinator);
                c->edge_toplevel = false;
                c->edge_async = true;
                c->edge_promise_index = index;
                c->func_name = edge_no_exception(ctx, c->func_name);
                c->edge_type_name = edge_no_exception(ctx, c->edge_type_name);
                c->edge_method_name = edge_no_exception(ctx, c->edge_method_name);
            } else {
                dbuf_printf(db, "    at async Promise.%s (index %d)\n", combinator, (int)index);
            }
            i++;
            promise = edge_settles(element->data[3]);
        } else if (JS_VALUE_GET_TAG(rd->handler) == JS_TAG_OBJECT &&
                   JS_VALUE_GET_OBJ(rd->handler)->class_id == JS_CLASS_PROMISE_RESOLVE_FUNCTION) {
            promise = edge_settles(rd->handler); /* a promise resolved with this one */
        } else {
            promise = edge_settles(rd->resolving_funcs[0]); /* a then()'s promise */
        }
    }
    EDGE_RESTORE_EXCEPTION;
    return i;
}
