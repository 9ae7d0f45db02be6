"""cheerio 1.x, installed from npm at test time, builds into an edge function and answers as in Node 20.

Its main entry (require('cheerio') and import * as cheerio from 'cheerio') loads undici 7, which at its top
level needs the Web globals Node 20 has (ReadableStream, Blob, File, FormData, MessagePort, ...): the build
failed with `ReferenceError: ReadableStream is not defined`. A handler doing what a Lambda@Edge function does
with it (load a page, select, change attributes, classes and text, serialize; the XML mode, loadBuffer with
an encoding, extract, and the stream interfaces) gives Node's answer, byte for byte, from the CommonJS
entry and from the ES module one. cheerio.fromURL, which needs the network, rejects at the edge with
ERR_FEATURE_UNAVAILABLE_ON_PLATFORM saying why. Skipped, saying so, when npm or the registry cannot be reached."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from edge.cli.main import cli

from .js_helpers import VIEWER_EVENT, build, node, npm_install

CHEERIO = "cheerio@1"

PAGE_JS = r"""'use strict';
// What the handlers do with cheerio, shared by the CommonJS and the ES module entry.
const { Readable } = require('stream');
exports.page = async (cheerio, uri) => {
  const out = {};
  const html = '<!doctype html><html><head><title>T &amp; x</title></head><body><ul id="list"><li class="a">One</li>' +
    '<li>Two</li><li data-n="3">Three</li></ul><p>Para <b>bold</b> é</p><a href="/in">in</a>' +
    '<a href="https://ext.example/out" class="ext">out</a><form><input name="q" value="v"><select name="s">' +
    '<option value="o1" selected>o</option></select></form><script>var x = 1;</script></body></html>';
  const $ = cheerio.load(html);
  $('title').text(`Page ${uri}`);
  $('li.a').attr('data-x', '1').addClass('b').removeClass('a');
  $('li').eq(1).text('Deux');
  $('#list').append('<li class="new">Four</li>');
  $('li[data-n]').remove();
  $('p b').replaceWith('<i>italic</i>');
  $('a.ext').attr({ rel: 'noopener', target: '_blank' });
  $('script').remove();
  out.items = $('li').map((i, el) => [[$(el).text(), $(el).attr('class') || null]]).get();
  out.links = $('a').toArray().map((a) => [$(a).attr('href'), $(a).prop('href'), $(a).is('.ext')]);
  out.html = $.html();
  out.body = $('body').html();
  out.text = $('p').text();
  out.closest = $('i').closest('p').length;
  out.data = $('li.b').data();
  out.css = $('<div style="color: red; margin: 0"></div>').css();
  out.serialize = $('form').serializeArray();
  out.extract = $.extract({ items: ['li'], title: 'title', firstClass: { selector: 'li', value: 'class' } });
  const x = cheerio.load('<root><item id="1">A</item><item id="2"/></root>', { xml: true });
  out.xml = [x('item').length, x('item').last().attr('id'), x.xml()];
  out.loadBuffer = cheerio.loadBuffer(Buffer.from('<p>caf\xe9</p>', 'latin1'),
    { encoding: { defaultEncoding: 'windows-1252' } })('p').text();
  out.stringStream = await new Promise((resolve, reject) => {
    const stream = cheerio.stringStream({}, (err, $s) => (err ? reject(err) : resolve($s('li').length)));
    stream.end('<ul><li>1</li><li>2</li></ul>');
  });
  out.decodeStream = await new Promise((resolve, reject) => {
    const stream = cheerio.decodeStream({ encoding: { defaultEncoding: 'utf-8' } }, (err, $s) => (err ? reject(err) : resolve($s('b').text())));
    Readable.from([Buffer.from('<b>h'), Buffer.from('i</b>')]).pipe(stream);
  });
  out.exports = Object.keys(cheerio).sort();
  return out;
};
// What cheerio.fromURL gives (it needs the network)
exports.fromURL = (cheerio) => cheerio.fromURL('https://example.com/').then(() => 'fetched',
  (err) => [err.name, err.code, err.message]);
"""

INDEX_JS = r"""'use strict';
const cheerio = require('cheerio');
const { page, fromURL } = require('./page');
exports.handler = async (event) => {
  const { uri } = event.Records[0].cf.request;
  const body = uri === '/url' ? await fromURL(cheerio) : await page(cheerio, uri);
  return { status: '200', headers: { 'content-type': [{ key: 'Content-Type', value: 'application/json' }] },
    body: JSON.stringify(body) };
};
"""

APP_MJS = r"""import * as cheerio from 'cheerio';
import pageModule from './page.js';
export const handler = async (event) => ({ status: '200', body: JSON.stringify(await pageModule.page(cheerio,
  event.Records[0].cf.request.uri)) });
"""


@pytest.fixture(scope="module")
def package(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("js-cheerio") / "cheerio-fn"
    root.mkdir()
    npm_install(root, CHEERIO)
    (root / "page.js").write_text(PAGE_JS)
    (root / "index.js").write_text(INDEX_JS)
    (root / "app.mjs").write_text(APP_MJS)
    return root


def event_for(uri: str) -> dict:
    event = json.loads(json.dumps(VIEWER_EVENT))
    event["Records"][0]["cf"]["request"]["uri"] = uri
    return event


def at_the_edge(wasm: Path, uri: str) -> dict:
    event = wasm.parent / "event.json"
    event.write_text(json.dumps(event_for(uri)))
    result = CliRunner().invoke(cli, ["invoke", str(wasm), "--event", str(event)])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def in_node(package: Path, entry: str, uri: str) -> dict:
    """The handler's result in Node 20, as Lambda would call it."""
    url = (package / entry).as_uri()
    script = (f"import({json.dumps(url)}).then((m) => m.handler({json.dumps(event_for(uri))}))"
              ".then((r) => console.log(JSON.stringify(r)))")
    return json.loads(node("-e", script))


def test_the_commonjs_entry_answers_as_in_node(package, tmp_path):  # type: ignore[no-untyped-def]
    wasm = build("cheerio", tmp_path, source=package)
    edge = at_the_edge(wasm, "/page")
    assert edge == in_node(package, "index.js", "/page")
    body = json.loads(edge["body"])
    assert body["items"] == [["One", "b"], ["Deux", None], ["Four", "new"]]
    assert '<a href="https://ext.example/out" class="ext" rel="noopener" target="_blank">out</a>' in body["html"]
    assert "<title>Page /page</title>" in body["html"] and "<script>" not in body["html"]
    err = json.loads(at_the_edge(wasm, "/url")["body"])
    assert err[:2] == ["Error", "ERR_FEATURE_UNAVAILABLE_ON_PLATFORM"]
    assert "is not available in edge functions: they cannot make network calls" in err[2]


def test_the_es_module_entry_answers_as_in_node(package, tmp_path):  # type: ignore[no-untyped-def]
    wasm = build("cheerio", tmp_path, handler="app.handler", source=package)
    edge = at_the_edge(wasm, "/esm")
    assert edge == in_node(package, "app.mjs", "/esm")
    assert "<title>Page /esm</title>" in json.loads(edge["body"])["html"]
