// The Fetch API's Headers global (tests/test_js_headers.py): the same answers as Node 20's
exports.handler = async () => {
  const out = [];
  for (const f of [()=>new Headers().append('a b','x'), ()=>new Headers().set('a b','x'), ()=>new Headers().get('a b'), ()=>new Headers().append('a','x\ny'), ()=>new Headers([['a']]), ()=>new Headers(5), ()=>new Headers().delete('a b'), ()=>new Headers().has('(')]) { try { f(); out.push('ok') } catch(e) { out.push([e.constructor.name, e.message]) } }
  const h = new Headers({ 'X-B': ' 2 ', 'x-a': 1 }); h.append('Set-Cookie','a=1'); h.append('set-cookie','b=2'); h.set('x-a','9');
  out.push([...h], [...h.keys()], [...h.values()], h.get('set-cookie'), h.has('X-A'), h.getSetCookie());
  const g = new Headers(h); h.delete('x-b'); out.push([...g], [...h]);
  h.forEach(function (v, k, o) { out.push([k, v, o === h, this.t]) }, {t: 1});
  out.push(Object.prototype.toString.call(h), typeof Headers.prototype.entries, String(new Headers([['a','1']])), Object.prototype.toString.call(new Headers().entries()));
  return { status: '200', body: JSON.stringify(out) };
};
