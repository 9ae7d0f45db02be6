/*
 * V8's wording for the engine's own errors (included into QuickJS's quickjs.c by engine.py's
 * QUICKJS_EDITS, which also change the fixed texts; not a unit of its own).
 *
 * Why: handlers ported from Lambda are read, tested and monitored by their error messages, and
 * Node (V8) words them its own way: `o.bar is not a function` where QuickJS said `not a
 * function`. The fixed texts are swapped in engine.py; what needs code is here:
 *
 * - The callee of a call that is not a function (`o.bar`, `a.b[key]`, `g(...).x`), as V8 names
 *   it, read back at the time of the throw from the bytecode that computed it: the calling
 *   function's instructions are decoded up to the call, the start of its arguments found (the
 *   nearest instruction from which the bytecode, followed along one path, leaves exactly the
 *   arguments on the stack, after one that pushes a value), and the instruction that pushed the
 *   function written back as an expression (variable names from the vardefs and closure
 *   variables, property atoms, constant keys, calls as `(...)`). Nothing is added to the
 *   bytecode or to a call: the work is done only when a call fails. (Function source and
 *   pc2line positions cannot do it: the columns lag a token and equal ones are merged.) Where
 *   it cannot be written (a branch in the callee, a spread call, no call from bytecode: a
 *   built-in's callback), the value is named as V8 names a built-in's argument
 *   (`undefined is not a function`, `#<Object> is not a function`).
 * - Values in messages as V8 writes them (`#<Object>`, `[object Array]`, `Symbol(s)`).
 * - JSON.parse's "Unexpected token" with V8's quoted context of the input.
 * - JSON.stringify's circular structure, with V8's path lines.
 */

#define EDGE_TEXT_MAX 128

/* A value as V8 writes it in "x is not a function" for a built-in's argument. */
static void edge_value_text(JSContext *ctx, JSValueConst v, char *buf, size_t size)
{
    const char *s;

    switch (JS_VALUE_GET_NORM_TAG(v)) {
    case JS_TAG_UNDEFINED:
        snprintf(buf, size, "undefined");
        return;
    case JS_TAG_NULL:
        snprintf(buf, size, "null");
        return;
    case JS_TAG_SYMBOL:
        {
            char tmp[ATOM_GET_STR_BUF_SIZE];
            JSAtomStruct *p = JS_VALUE_GET_PTR(v);
            JSAtom atom = js_get_atom_index(ctx->rt, p);
            snprintf(buf, size, "Symbol(%s)", p->len ? JS_AtomGetStr(ctx, tmp, sizeof(tmp), atom) : "");
            return;
        }
    case JS_TAG_OBJECT:
        {
            JSObject *p = JS_VALUE_GET_OBJ(v);
            if (p->class_id == JS_CLASS_ARRAY) {
                snprintf(buf, size, "[object Array]");
                return;
            }
            snprintf(buf, size, "[object Object]");
            if (p->class_id == JS_CLASS_PROXY)
                return;
            /* the constructor's name, read without running code: data properties only */
            {
                JSObject *proto = p->shape->proto;
                JSShapeProperty *prs;
                JSProperty *pr;
                if (!proto)
                    return;
                prs = find_own_property(&pr, proto, JS_ATOM_constructor);
                if (!prs || (prs->flags & JS_PROP_TMASK) != JS_PROP_NORMAL ||
                    JS_VALUE_GET_TAG(pr->u.value) != JS_TAG_OBJECT)
                    return;
                prs = find_own_property(&pr, JS_VALUE_GET_OBJ(pr->u.value), JS_ATOM_name);
                if (!prs || (prs->flags & JS_PROP_TMASK) != JS_PROP_NORMAL ||
                    JS_VALUE_GET_TAG(pr->u.value) != JS_TAG_STRING || JS_VALUE_GET_STRING(pr->u.value)->len == 0)
                    return;
                s = JS_ToCString(ctx, pr->u.value);
                if (s) {
                    snprintf(buf, size, "#<%s>", s);
                    JS_FreeCString(ctx, s);
                }
                return;
            }
        }
    default:
        s = JS_ToCString(ctx, v); /* a primitive: no code runs */
        if (!s) {
            JS_FreeValue(ctx, JS_GetException(ctx));
            snprintf(buf, size, "value");
            return;
        }
        snprintf(buf, size, "%s", s);
        JS_FreeCString(ctx, s);
    }
}

/* Follows the bytecode from `pos` to `end` (one path: a conditional jump falls through, a goto
 * is taken) and gives how many values it leaves on the stack, or -1 if it takes more than it
 * found or does not get there. */
static int edge_stack_effect(const uint8_t *bc, int len, int pos, int end)
{
    int depth = 0, steps;

    for (steps = 0; steps < 4096 && pos >= 0 && pos < len; steps++) {
        int op = bc[pos], n_pop;
        const JSOpCode *oi;
        if (pos == end)
            return depth;
        if (op == 0 || op >= OP_COUNT)
            return -1;
        oi = &short_opcode_info(op);
        n_pop = oi->n_pop;
        if (oi->fmt == OP_FMT_npop || oi->fmt == OP_FMT_npop_u16)
            n_pop += get_u16(bc + pos + 1);
        else if (oi->fmt == OP_FMT_npopx)
            n_pop += op - OP_call0;
        if (depth < n_pop)
            return -1;
        depth += oi->n_push - n_pop;
        switch (op) {
        case OP_goto:
            pos += 1 + (int32_t)get_u32(bc + pos + 1);
            continue;
        case OP_goto16:
            pos += 1 + (int16_t)get_u16(bc + pos + 1);
            continue;
        case OP_goto8:
            pos += 1 + (int8_t)bc[pos + 1];
            continue;
        case OP_tail_call: case OP_tail_call_method: case OP_return: case OP_return_undef:
        case OP_return_async: case OP_throw: case OP_throw_error: case OP_ret: case OP_gosub:
        case OP_catch: case OP_with_get_var: case OP_with_put_var: case OP_with_delete_var:
        case OP_with_make_ref: case OP_with_get_ref: case OP_with_get_ref_undef:
            return -1;
        default:
            break;
        }
        pos += oi->size;
    }
    return -1;
}

/* The failing call's function, named from the bytecode that computed it. */
typedef struct EdgeCode {
    JSContext *ctx;
    JSFunctionBytecode *b;
    int *starts; /* the offsets of the instructions up to the call */
    int n;
} EdgeCode;

static bool edge_producer(int op)
{
    switch (op) {
    case OP_get_loc: case OP_get_loc8: case OP_get_loc0: case OP_get_loc1: case OP_get_loc2: case OP_get_loc3:
    case OP_get_loc_check: case OP_get_arg: case OP_get_arg0: case OP_get_arg1: case OP_get_arg2: case OP_get_arg3:
    case OP_get_var_ref: case OP_get_var_ref0: case OP_get_var_ref1: case OP_get_var_ref2: case OP_get_var_ref3:
    case OP_get_var_ref_check: case OP_get_var: case OP_get_field: case OP_get_field2: case OP_get_length:
    case OP_get_array_el: case OP_get_array_el2: case OP_push_atom_value:
    case OP_call0: case OP_call1: case OP_call2: case OP_call3: case OP_call: case OP_call_method:
    case OP_call_constructor:
        return true;
    default:
        return false;
    }
}

/* The index of the first instruction of a call's arguments (the call at index ci pops `argc`
 * of them): the nearest one from which the bytecode leaves exactly `argc` values at the call
 * and that follows what pushed the function (for `new`, the OP_dup of new.target). */
static int edge_args_start(EdgeCode *c, int ci, int argc, bool is_new)
{
    const uint8_t *bc = c->b->byte_code_buf;
    int j;

    for (j = ci; j > 0 && ci - j < 256; j--) {
        int prev = bc[c->starts[j - 1]];
        if (is_new ? prev != OP_dup || j < 2 : !edge_producer(prev))
            continue;
        if (edge_stack_effect(bc, c->b->byte_code_len, c->starts[j], c->starts[ci]) == argc)
            return j;
    }
    return -1;
}

static const char *edge_var_name(EdgeCode *c, int op, const uint8_t *pc, char *buf, size_t size)
{
    JSFunctionBytecode *b = c->b;
    int idx;
    JSAtom name = JS_ATOM_NULL;

    switch (op) {
    case OP_get_loc: case OP_get_loc_check: idx = get_u16(pc + 1); goto loc;
    case OP_get_loc8: idx = pc[1]; goto loc;
    case OP_get_loc0: case OP_get_loc1: case OP_get_loc2: case OP_get_loc3: idx = op - OP_get_loc0;
    loc:
        if (b->vardefs && idx < b->var_count)
            name = b->vardefs[b->arg_count + idx].var_name;
        break;
    case OP_get_arg: idx = get_u16(pc + 1); goto arg;
    case OP_get_arg0: case OP_get_arg1: case OP_get_arg2: case OP_get_arg3: idx = op - OP_get_arg0;
    arg:
        if (b->vardefs && idx < b->arg_count)
            name = b->vardefs[idx].var_name;
        break;
    case OP_get_var_ref: case OP_get_var_ref_check: idx = get_u16(pc + 1); goto ref;
    case OP_get_var_ref0: case OP_get_var_ref1: case OP_get_var_ref2: case OP_get_var_ref3: idx = op - OP_get_var_ref0;
    ref:
        if (b->closure_var && idx < b->closure_var_count)
            name = b->closure_var[idx].var_name;
        break;
    case OP_get_var:
        name = get_u32(pc + 1);
        break;
    }
    if (name == JS_ATOM_NULL)
        return NULL;
    return JS_AtomGetStr(c->ctx, buf, size, name);
}

static bool edge_append(char *out, size_t *n, const char *s)
{
    size_t len = strlen(s);
    if (*n + len + 1 > EDGE_TEXT_MAX)
        return false;
    memcpy(out + *n, s, len + 1);
    *n += len;
    return true;
}

/* Appends, as V8 writes it, the expression whose value the instruction at index i pushes; gives
 * the index of the expression's first instruction, or -1 if it cannot be written. */
static int edge_render(EdgeCode *c, int i, char *out, size_t *n, int depth)
{
    const uint8_t *pc;
    int op;
    char buf[ATOM_GET_STR_BUF_SIZE];

    if (i < 0 || depth > 8)
        return -1;
    pc = c->b->byte_code_buf + c->starts[i];
    op = *pc;
    switch (op) {
    case OP_get_field: case OP_get_field2: case OP_get_length:
        {
            int start = edge_render(c, i - 1, out, n, depth + 1);
            if (start < 0)
                return -1;
            if (!edge_append(out, n, ".") ||
                !edge_append(out, n, op == OP_get_length ? "length" : JS_AtomGetStr(c->ctx, buf, sizeof(buf), get_u32(pc + 1))))
                return -1;
            return start;
        }
    case OP_get_array_el: case OP_get_array_el2:
        {
            char key[EDGE_TEXT_MAX];
            size_t kn = 0;
            int kstart = edge_render(c, i - 1, key, &kn, depth + 1), start;
            if (kstart < 1)
                return -1;
            start = edge_render(c, kstart - 1, out, n, depth + 1);
            if (start < 0)
                return -1;
            if (key[0] == '"') { /* a["x"] is a.x */
                key[kn - 1] = '\0';
                if (!edge_append(out, n, ".") || !edge_append(out, n, key + 1))
                    return -1;
            } else if (!edge_append(out, n, "[") || !edge_append(out, n, key) || !edge_append(out, n, "]")) {
                return -1;
            }
            return start;
        }
    case OP_call0: case OP_call1: case OP_call2: case OP_call3: case OP_call: case OP_call_method:
        {
            int argc = op == OP_call || op == OP_call_method ? get_u16(pc + 1) : op - OP_call0;
            int j = edge_args_start(c, i, argc, false), start;
            if (j < 1)
                return -1;
            start = edge_render(c, j - 1, out, n, depth + 1);
            if (start < 0 || !edge_append(out, n, "(...)"))
                return -1;
            return start;
        }
    case OP_call_constructor: /* new X().y: V8 writes no more of it */
        return edge_append(out, n, "(intermediate value)") ? 0 : -1;
    case OP_push_atom_value:
        if (!edge_append(out, n, "\"") || !edge_append(out, n, JS_AtomGetStr(c->ctx, buf, sizeof(buf), get_u32(pc + 1))) ||
            !edge_append(out, n, "\""))
            return -1;
        return i;
    case OP_push_0: case OP_push_1: case OP_push_2: case OP_push_3: case OP_push_4: case OP_push_5: case OP_push_6:
    case OP_push_7:
        snprintf(buf, sizeof(buf), "%d", op - OP_push_0);
        return edge_append(out, n, buf) ? i : -1;
    case OP_push_i8:
        snprintf(buf, sizeof(buf), "%d", (int8_t)pc[1]);
        return edge_append(out, n, buf) ? i : -1;
    case OP_push_i16:
        snprintf(buf, sizeof(buf), "%d", (int16_t)get_u16(pc + 1));
        return edge_append(out, n, buf) ? i : -1;
    default:
        {
            const char *name = edge_var_name(c, op, pc, buf, sizeof(buf));
            if (!name || !edge_append(out, n, name))
                return -1;
            return i;
        }
    }
}

/* The text V8 would give for the callee of the failing call made by the bytecode function now
 * running (argv: the call's arguments, on that function's stack), or false; last_prop gets the
 * name of the property the function was read from, when there is one. */
static bool edge_callee_text(JSContext *ctx, JSValueConst *argv, bool is_new, char *out, char *last_prop)
{
    JSStackFrame *sf = ctx->rt->current_stack_frame;
    JSObject *p;
    JSFunctionBytecode *b;
    const uint8_t *pc;
    int call_pc, argc, pos, j, fi;
    EdgeCode c;
    size_t n = 0;
    bool ok = false;

    out[0] = last_prop[0] = '\0';
    if (!sf || JS_VALUE_GET_TAG(sf->cur_func) != JS_TAG_OBJECT)
        return false;
    p = JS_VALUE_GET_OBJ(sf->cur_func);
    if (!js_class_has_bytecode(p->class_id))
        return false;
    b = p->u.func.function_bytecode;
    pc = sf->cur_pc;
    if (!pc || pc < b->byte_code_buf + 1 || pc > b->byte_code_buf + b->byte_code_len)
        return false;
    /* the call is the instruction just before cur_pc, with its arguments on this frame's stack */
    if (argv < (JSValueConst *)sf->var_buf + b->var_count || argv > (JSValueConst *)sf->var_buf + b->var_count + b->stack_size)
        return false;
    if (!is_new && pc[-1] >= OP_call0 && pc[-1] <= OP_call3) {
        call_pc = pc - 1 - b->byte_code_buf;
        argc = pc[-1] - OP_call0;
    } else if (pc >= b->byte_code_buf + 3 &&
               (is_new ? pc[-3] == OP_call_constructor
                       : (pc[-3] == OP_call || pc[-3] == OP_tail_call || pc[-3] == OP_call_method ||
                          pc[-3] == OP_tail_call_method))) {
        call_pc = pc - 3 - b->byte_code_buf;
        argc = get_u16(pc - 2);
    } else {
        return false;
    }
    /* the instructions' offsets, from the function's start to the call */
    c.ctx = ctx;
    c.b = b;
    c.n = 0;
    c.starts = js_malloc(ctx, sizeof(int) * (call_pc + 1));
    if (!c.starts) {
        JS_FreeValue(ctx, JS_GetException(ctx));
        return false;
    }
    for (pos = 0; pos < call_pc; ) {
        int op = b->byte_code_buf[pos];
        if (op == 0 || op >= OP_COUNT)
            break;
        c.starts[c.n++] = pos;
        pos += short_opcode_info(op).size;
    }
    if (pos == call_pc) {
        c.starts[c.n] = call_pc;
        j = edge_args_start(&c, c.n, argc, is_new);
        fi = is_new ? j - 2 : j - 1; /* the instruction that pushed the function */
        if (j > 0 && fi >= 0) {
            const uint8_t *f = b->byte_code_buf + c.starts[fi];
            if (*f == OP_get_field || *f == OP_get_field2)
                JS_AtomGetStr(ctx, last_prop, 64, get_u32(f + 1));
            ok = edge_render(&c, fi, out, &n, 0) >= 0;
        }
    }
    js_free(ctx, c.starts);
    return ok;
}

/* "x is not a function" / "x is not a constructor" for a call from bytecode or from a built-in. */
static JSValue edge_throw_not_callable(JSContext *ctx, JSValueConst func_obj, JSValueConst *argv, bool is_new)
{
    char text[EDGE_TEXT_MAX], last_prop[64];
    const char *what = is_new ? "constructor" : "function";

    if (edge_callee_text(ctx, argv, is_new, text, last_prop))
        return JS_ThrowTypeError(ctx, "%s is not a %s", text, what);
    if (last_prop[0])
        return JS_ThrowTypeError(ctx, "(intermediate value).%s is not a %s", last_prop, what);
    if (is_new && JS_VALUE_GET_TAG(func_obj) == JS_TAG_OBJECT) {
        JSObject *p = JS_VALUE_GET_OBJ(func_obj);
        if (js_class_has_bytecode(p->class_id) && p->u.func.function_bytecode->func_name != JS_ATOM_NULL)
            return JS_ThrowTypeErrorAtom(ctx, "%s is not a constructor", p->u.func.function_bytecode->func_name);
        if (p->class_id == JS_CLASS_C_FUNCTION || JS_IsFunction(ctx, func_obj)) {
            /* a built-in: its name (`Symbol is not a constructor`) */
            JSValue name = JS_GetProperty(ctx, func_obj, JS_ATOM_name);
            const char *s = JS_IsString(name) ? JS_ToCString(ctx, name) : NULL;
            JS_FreeValue(ctx, name);
            if (s && s[0]) {
                JSValue r = JS_ThrowTypeError(ctx, "%s is not a constructor", s);
                JS_FreeCString(ctx, s);
                return r;
            }
            JS_FreeCString(ctx, s);
            return JS_ThrowTypeError(ctx, "not a constructor");
        }
    }
    edge_value_text(ctx, func_obj, text, sizeof(text));
    return JS_ThrowTypeError(ctx, "%s is not a %s", text, what);
}

/* V8's "x is not iterable": from a built-in (the current frame is a C function's) with the
 * value's type, `number 5 is not iterable (cannot read property Symbol(Symbol.iterator))`;
 * from the language (`for of`, spread, `[a] = x`), the value: `undefined is not iterable`
 * (V8 writes the expression's text there: `u is not iterable`). */
static JSValue edge_throw_not_iterable(JSContext *ctx, JSValueConst v)
{
    JSStackFrame *sf = ctx->rt->current_stack_frame;
    bool builtin = sf && JS_VALUE_GET_TAG(sf->cur_func) == JS_TAG_OBJECT &&
                   !js_class_has_bytecode(JS_VALUE_GET_OBJ(sf->cur_func)->class_id);
    char text[EDGE_TEXT_MAX];
    const char *type;

    edge_value_text(ctx, v, text, sizeof(text));
    if (!builtin) {
        if (JS_VALUE_GET_TAG(v) == JS_TAG_OBJECT)
            return JS_ThrowTypeError(ctx, "object is not iterable");
        return JS_ThrowTypeError(ctx, "%s is not iterable", text);
    }
    switch (JS_VALUE_GET_NORM_TAG(v)) {
    case JS_TAG_UNDEFINED:
        return JS_ThrowTypeError(ctx, "undefined is not iterable (cannot read property Symbol(Symbol.iterator))");
    case JS_TAG_NULL:
        return JS_ThrowTypeError(ctx, "object null is not iterable (cannot read property Symbol(Symbol.iterator))");
    case JS_TAG_OBJECT:
        return JS_ThrowTypeError(ctx, "object is not iterable (cannot read property Symbol(Symbol.iterator))");
    case JS_TAG_SYMBOL:
        return JS_ThrowTypeError(ctx, "symbol is not iterable (cannot read property Symbol(Symbol.iterator))");
    case JS_TAG_BOOL:
        type = "boolean";
        break;
    case JS_TAG_BIG_INT:
    case JS_TAG_SHORT_BIG_INT:
        type = "bigint";
        break;
    default:
        type = "number";
    }
    return JS_ThrowTypeError(ctx, "%s %s is not iterable (cannot read property Symbol(Symbol.iterator))", type, text);
}

/* `const {a} = null`: V8's "Cannot destructure property 'a' of 'null' as it is null.", the
 * property the first one the pattern reads (the bytecode after OP_to_object at pc); V8 writes
 * the source expression where this writes 'null' or 'undefined'. */
static JSValue edge_throw_destructure(JSContext *ctx, JSFunctionBytecode *b, const uint8_t *pc, JSValueConst v)
{
    const char *what = JS_IsNull(v) ? "null" : "undefined";
    const uint8_t *end = b->byte_code_buf + b->byte_code_len;
    int i;

    for (i = 0; i < 6 && pc < end; i++) {
        int op = *pc;
        if (op == 0 || op >= OP_COUNT)
            break;
        if (op == OP_get_field || op == OP_get_field2) {
            JSAtom atom = get_u32(pc + 1);
            char buf[ATOM_GET_STR_BUF_SIZE];
            return JS_ThrowTypeError(ctx, "Cannot destructure property '%s' of '%s' as it is %s.",
                                     JS_AtomGetStr(ctx, buf, sizeof(buf), atom), what, what);
        }
        if (op != OP_dup && op != OP_object && op != OP_swap && op != OP_source_loc)
            break;
        pc += short_opcode_info(op).size;
    }
    return JS_ThrowTypeError(ctx, "Cannot destructure '%s' as it is %s.", what, what);
}

/* JSON.parse's unexpected token at buf[pos], with V8's context of the input: the whole input
 * when it is short, else 10 characters either side of the token, `...` where it is cut. */
static void edge_json_unexpected(const uint8_t *buf, size_t len, size_t pos, char *out, size_t size)
{
    const char *special[] = { "undefined", "NaN", "Infinity", "[object Object]" };
    size_t start = 0, end = len, tok_len = 1, i;
    const char *pre = "", *post = "";

    for (i = 0; i < countof(special); i++) {
        if (len == strlen(special[i]) && memcmp(buf, special[i], len) == 0) {
            snprintf(out, size, "\"%s\" is not valid JSON", special[i]);
            return;
        }
    }
    while (pos + tok_len < len && (buf[pos + tok_len] & 0xc0) == 0x80) /* a whole UTF-8 character */
        tok_len++;
    if (len > 21) {
        if (pos < 10) {
            end = pos + 10;
            post = "...";
        } else if (pos < len - 10) {
            start = pos - 10;
            end = pos + 10;
            pre = post = "...";
        } else {
            start = pos - 10;
            pre = "...";
        }
    }
    while (start > 0 && (buf[start] & 0xc0) == 0x80)
        start--;
    while (end < len && (buf[end] & 0xc0) == 0x80)
        end++;
    snprintf(out, size, "Unexpected token '%.*s', %s\"%.*s\"%s is not valid JSON", (int)tok_len, buf + pos,
             pre, (int)(end - start), buf + start, post);
}

/* A constructor's name for "object with constructor 'X'" (data properties only; 'Object'). */
static void edge_constructor_name(JSContext *ctx, JSValueConst v, char *buf, size_t size)
{
    snprintf(buf, size, "Object");
    edge_value_text(ctx, v, buf, size);
    if (buf[0] == '#') { /* #<Name> */
        size_t n = strlen(buf);
        memmove(buf, buf + 2, n - 3);
        buf[n - 3] = '\0';
    } else if (strcmp(buf, "[object Array]") == 0) {
        snprintf(buf, size, "Array");
    } else {
        snprintf(buf, size, "Object");
    }
}

/* " property 'x'" or " index 3": the key of `parent` whose value is `child`. */
static bool edge_json_key(JSContext *ctx, DynBuf *d, JSValueConst parent, JSValueConst child)
{
    JSPropertyEnum *tab = NULL;
    uint32_t len = 0, i;
    bool found = false;

    if (JS_GetOwnPropertyNames(ctx, &tab, &len, parent, JS_GPN_STRING_MASK | JS_GPN_ENUM_ONLY) < 0) {
        JS_FreeValue(ctx, JS_GetException(ctx));
        return false;
    }
    for (i = 0; i < len && !found; i++) {
        JSValue v = JS_GetProperty(ctx, parent, tab[i].atom);
        if (JS_IsException(v)) {
            JS_FreeValue(ctx, JS_GetException(ctx));
            continue;
        }
        if (JS_VALUE_GET_TAG(v) == JS_TAG_OBJECT && JS_VALUE_GET_OBJ(v) == JS_VALUE_GET_OBJ(child)) {
            char buf[ATOM_GET_STR_BUF_SIZE];
            if (__JS_AtomIsTaggedInt(tab[i].atom))
                dbuf_printf(d, "index %u", (unsigned)__JS_AtomToUInt32(tab[i].atom));
            else
                dbuf_printf(d, "property '%s'", JS_AtomGetStr(ctx, buf, sizeof(buf), tab[i].atom));
            found = true;
        }
        JS_FreeValue(ctx, v);
    }
    JS_FreePropertyEnum(ctx, tab, len);
    return found;
}

/* JSON.stringify met `val` again while serialising it (`stack`: the objects being serialised,
 * the holder last): V8's message, with the path around the circle. */
static JSValue edge_throw_json_circular(JSContext *ctx, JSValueConst stack, JSValueConst val)
{
    DynBuf d;
    int64_t n = 0, i, start = -1, count;
    char name[EDGE_TEXT_MAX];
    JSValue r;

    if (js_get_length64(ctx, &n, stack) < 0) {
        JS_FreeValue(ctx, JS_GetException(ctx));
        n = 0;
    }
    for (i = 0; i < n; i++) {
        JSValue o = JS_GetPropertyInt64(ctx, stack, i);
        bool same = JS_VALUE_GET_TAG(o) == JS_TAG_OBJECT && JS_VALUE_GET_OBJ(o) == JS_VALUE_GET_OBJ(val);
        JS_FreeValue(ctx, o);
        if (same) {
            start = i;
            break;
        }
    }
    if (start < 0)
        return JS_ThrowTypeError(ctx, "Converting circular structure to JSON");
    js_dbuf_init(ctx, &d);
    edge_constructor_name(ctx, val, name, sizeof(name));
    dbuf_printf(&d, "Converting circular structure to JSON\n    --> starting at object with constructor '%s'", name);
    count = n - 1 - start; /* the lines between the first and the closing one */
    for (i = start; i < n; i++) {
        JSValue parent = JS_GetPropertyInt64(ctx, stack, i);
        JSValue child = i + 1 < n ? JS_GetPropertyInt64(ctx, stack, i + 1) : js_dup(val);
        int64_t line = i - start; /* 0 .. count */
        if (line < count) {
            if (count > 3 && line >= 2 && line < count - 1) {
                if (line == 2)
                    dbuf_printf(&d, "\n    |     ...");
            } else {
                dbuf_printf(&d, "\n    |     ");
                if (!edge_json_key(ctx, &d, parent, child))
                    dbuf_printf(&d, "property '?'");
                edge_constructor_name(ctx, child, name, sizeof(name));
                dbuf_printf(&d, " -> object with constructor '%s'", name);
            }
        } else {
            dbuf_printf(&d, "\n    --- ");
            if (!edge_json_key(ctx, &d, parent, child))
                dbuf_printf(&d, "property '?'");
            dbuf_printf(&d, " closes the circle");
        }
        JS_FreeValue(ctx, parent);
        JS_FreeValue(ctx, child);
    }
    dbuf_putc(&d, '\0');
    if (d.error) {
        r = JS_ThrowTypeError(ctx, "Converting circular structure to JSON");
    } else { /* longer than JS_ThrowTypeError's 256 bytes: made as JS_ThrowError makes it */
        JSStackFrame *sf = ctx->rt->current_stack_frame;
        JSValue obj = JS_MakeError2(ctx, JS_TYPE_ERROR, !sf || JS_GetFunctionBytecode(sf->cur_func) == NULL,
                                    (const char *)d.buf);
        r = JS_Throw(ctx, JS_IsException(obj) ? JS_NULL : obj);
    }
    dbuf_free(&d);
    return r;
}

/* A regular expression that does not compile: V8's "Invalid regular expression: /(/g:
 * Unterminated group", libregexp's reasons in V8's words where they are the same reason. */
static JSValue edge_throw_regexp(JSContext *ctx, JSValueConst pattern, JSValueConst flags, const char *msg)
{
    static const char *const reasons[][2] = {
        { "expecting ')'", "Unterminated group" },
        { "nothing to repeat", "Nothing to repeat" },
        { "unexpected end", "\\ at end of pattern" },
        { "expecting ']'", "Unterminated character class" },
        { "invalid group", "Invalid group" },
        { "extraneous characters at the end", "Unmatched ')'" },
        { "invalid class range", "Range out of order in character class" },
        { "invalid escape sequence in regular expression", "Invalid escape" },
        { "invalid repetition count", "numbers out of order in {} quantifier" },
        { "duplicate group name", "Duplicate capture group name" },
        { "invalid group name", "Invalid capture group name" },
        { "group name not defined", "Invalid named capture referenced" },
    };
    const char *src = JS_ToCString(ctx, pattern);
    const char *fl = JS_IsUndefined(flags) ? NULL : JS_ToCString(ctx, flags);
    char reason[64];
    size_t i;
    JSValue r;

    snprintf(reason, sizeof(reason), "%s", msg);
    if (reason[0] >= 'a' && reason[0] <= 'z')
        reason[0] -= 'a' - 'A';
    for (i = 0; i < countof(reasons); i++) {
        if (strcmp(msg, reasons[i][0]) == 0) {
            snprintf(reason, sizeof(reason), "%s", reasons[i][1]);
            break;
        }
    }
    if (!src) {
        JS_FreeValue(ctx, JS_GetException(ctx));
        r = JS_ThrowSyntaxError(ctx, "Invalid regular expression: %s", reason);
    } else {
        r = JS_ThrowSyntaxError(ctx, "Invalid regular expression: /%s/%s: %s", src, fl ? fl : "", reason);
    }
    JS_FreeCString(ctx, src);
    JS_FreeCString(ctx, fl);
    return r;
}
