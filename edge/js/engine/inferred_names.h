/*
 * Inferred function names for stack traces, as V8 shows them (included into QuickJS's quickjs.c
 * by engine.py's QUICKJS_EDITS; not a unit of its own).
 *
 * Why: Lambda handlers are mostly written `exports.handler = async (event) => { ... }`. The
 * language gives such a function no name (`exports.handler.name` is '' in Node too), and
 * QuickJS's backtrace reads only the `name` property, so every frame of the handler read
 * `at <anonymous> (/var/task/index.js:3:9)`. V8 names the frame after what the function was
 * assigned to (`at exports.handler (...)`) while `.name` stays ''. So does this: when the
 * parser sees an anonymous function expression (or arrow) assigned to a member expression
 * written as a chain of identifiers (`exports.handler`, `module.exports.handler`,
 * `this.handler`, `a.b.c`), it records that chain (without a leading `this.`, as V8 writes
 * it) on the function's bytecode, and get_func_name() gives it when `name` is ''. Only stack
 * traces (and CallSite.getFunctionName()) see it. Functions read back from bytecode (the
 * Node layer) carry none: JS_WriteObject does not write it.
 */

/* The source text start..end, when it is a chain of ASCII identifiers joined by dots (blanks
 * between them allowed), as "a.b.c" without blanks or a leading "this."; else JS_ATOM_NULL. */
static JSAtom edge_member_chain(JSContext *ctx, const uint8_t *start, const uint8_t *end)
{
    char buf[256];
    size_t n = 0;
    bool want_ident = true, in_ident = false, after_ident = false;
    int segments = 0;
    const uint8_t *p;

    if (!start || !end || end <= start)
        return JS_ATOM_NULL;
    for (p = start; p < end; p++) {
        uint8_t ch = *p;
        bool ident_start = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '_' || ch == '$';
        bool ident_part = ident_start || (ch >= '0' && ch <= '9');
        if (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r') {
            if (in_ident) { in_ident = false; after_ident = true; }
            continue;
        }
        if (in_ident && ident_part) {
            /* still in the identifier */
        } else if (want_ident && ident_start) {
            in_ident = true;
            want_ident = false;
            segments++;
        } else if (ch == '.' && (in_ident || after_ident)) {
            in_ident = after_ident = false;
            want_ident = true;
        } else {
            return JS_ATOM_NULL; /* a call, brackets, a comment, non-ASCII: no name, as before */
        }
        if (n + 1 >= sizeof buf)
            return JS_ATOM_NULL;
        buf[n++] = (char)ch;
    }
    if (want_ident || segments < 2)
        return JS_ATOM_NULL;
    buf[n] = '\0';
    /* V8 leaves `prototype` out: `Legacy.prototype.run` is `Legacy.run` */
    {
        char *src = buf, *dst = buf;
        while (*src) {
            char *dot = strchr(src, '.');
            size_t len = dot ? (size_t)(dot - src) : strlen(src);
            if (!(len == 9 && memcmp(src, "prototype", 9) == 0) || src == buf) {
                if (dst != buf)
                    *dst++ = '.';
                memmove(dst, src, len);
                dst += len;
            }
            src += len + (dot ? 1 : 0);
        }
        *dst = '\0';
        n = (size_t)(dst - buf);
    }
    if (strncmp(buf, "this.", 5) == 0)
        return JS_NewAtomLen(ctx, buf + 5, n - 5);
    return JS_NewAtomLen(ctx, buf, n);
}

/* After `<lhs> = <rhs>` with a member expression as lhs: if the rhs just emitted an anonymous
 * function (OP_fclosure idx, then the placeholder OP_set_name JS_ATOM_NULL that
 * js_parse_function_decl2 puts after one), give that function the lhs chain as its inferred name. */
static void edge_infer_member_name(JSParseState *s, const uint8_t *lhs, const uint8_t *lhs_end)
{
    JSFunctionDef *fd = s->cur_func;
    struct list_head *el;
    int pos = fd->last_opcode_pos;
    int idx;

    if (get_prev_opcode(fd) != OP_set_name || pos < 5)
        return;
    if (get_u32(fd->byte_code.buf + pos + 1) != JS_ATOM_NULL || fd->byte_code.buf[pos - 5] != OP_fclosure)
        return;
    idx = (int)get_u32(fd->byte_code.buf + pos - 4);
    list_for_each(el, &fd->child_list) {
        JSFunctionDef *child = list_entry(el, JSFunctionDef, link);
        if (child->parent_cpool_idx == idx && child->func_name == JS_ATOM_NULL &&
            child->edge_inferred_name == JS_ATOM_NULL) {
            child->edge_inferred_name = edge_member_chain(s->ctx, lhs, lhs_end);
            return;
        }
    }
}

