'use strict';
// AES ciphers (tests/test_js_ciphers.py): the same cases in the edge function and in Node.
// `run(f, part)` takes the fixtures Node made at test time (keys, IVs, and what Node encrypted with
// them) and returns every result of one part: `common` ones must equal Node's, `made` are what the
// edge encrypted with random IVs (Node decrypts them), `edge` what the edge alone is asked (what it
// refuses and Node does not).
const crypto = require('crypto');

function attempt(fn) {
  try {
    const r = fn();
    return Buffer.isBuffer(r) ? r.toString('hex') : r;
  } catch (e) {
    return { name: e.name, code: e.code, message: e.message, library: e.library, reason: e.reason };
  }
}
const hex = (b) => Buffer.from(b).toString('hex');
// long outputs are compared through their digest, to keep the answers small
const shown = (b) => (b.length > 64 ? `sha256:${crypto.createHash('sha256').update(b).digest('hex')}` : hex(b));
const pattern = (n, seed = 1) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 31 + seed * 7) & 255));

const BITS = [128, 192, 256];
const MODES = ['gcm', 'cbc', 'ctr', 'ecb'];
const NAMES = [];
for (const bits of BITS) for (const mode of MODES) NAMES.push(`aes-${bits}-${mode}`);
const ivLength = (name) => (name.endsWith('ecb') ? 0 : name.endsWith('gcm') ? 12 : 16);
const isGcm = (name) => name.endsWith('gcm');
const keyOf = (f, name, which = 'key') => Buffer.from(f.ciphers[name][which], 'base64');
const ivOf = (f, name) => (name.endsWith('ecb') ? null : Buffer.from(f.ciphers[name].iv, 'base64'));

// one whole encryption / decryption, the way most code writes it
function encrypt(name, key, iv, data, { aad, tagLength, padding = true } = {}) {
  const c = crypto.createCipheriv(name, key, iv, tagLength ? { authTagLength: tagLength } : undefined);
  if (!padding) c.setAutoPadding(false);
  if (aad !== undefined) c.setAAD(aad);
  const ct = Buffer.concat([c.update(data), c.final()]);
  return [ct, isGcm(name) ? c.getAuthTag() : null];
}
function decrypt(name, key, iv, data, tag, { aad, padding = true, tagLength } = {}) {
  const d = crypto.createDecipheriv(name, key, iv, tagLength ? { authTagLength: tagLength } : undefined);
  if (!padding) d.setAutoPadding(false);
  if (aad !== undefined) d.setAAD(aad);
  if (tag) d.setAuthTag(tag);
  return Buffer.concat([d.update(data), d.final()]);
}

// [name, cost, (f) => result, group]
const CASES = [];
const add = (name, cost, fn, group = 'common') => CASES.push([name, cost, fn, group]);

const LENGTHS = [0, 1, 15, 16, 17, 31, 32, 33, 100, 1000];
for (const name of NAMES) {
  const block = name.endsWith('cbc') || name.endsWith('ecb');
  // every length: the ciphertext (and tag), and that it decrypts back
  add(`roundtrip_${name}`, 2, (f) => LENGTHS.map((n) => {
    const pt = pattern(n);
    const [ct, tag] = encrypt(name, keyOf(f, name), ivOf(f, name), pt);
    return [n, ct.length, shown(ct), tag && hex(tag), decrypt(name, keyOf(f, name), ivOf(f, name), ct, tag).equals(pt)];
  }));
  // what Node encrypted, decrypted here
  add(`node_vector_${name}`, 1, (f) => {
    const v = f.ciphers[name];
    const pt = decrypt(name, keyOf(f, name), ivOf(f, name), Buffer.from(v.ct, 'base64'), v.tag && Buffer.from(v.tag, 'base64'),
      { aad: v.aad ? Buffer.from(v.aad, 'base64') : undefined });
    return [pt.toString('base64') === v.pt, shown(pt)];
  });
  // updates of every size: what each returns (OpenSSL holds partial blocks, and the last block when
  // decrypting with padding), then final
  add(`chunks_${name}`, 2, (f) => {
    const key = keyOf(f, name);
    const iv = ivOf(f, name);
    const sizes = [1, 15, 16, 17, 0, 3, 32, 5, 48, 2];
    const pt = pattern(sizes.reduce((a, b) => a + b, 0), 3);
    const c = crypto.createCipheriv(name, key, iv);
    const outs = [];
    let at = 0;
    for (const n of sizes) {
      outs.push(hex(c.update(pt.subarray(at, at + n))));
      at += n;
    }
    outs.push(hex(c.final()));
    const ct = Buffer.from(outs.join(''), 'hex');
    const tag = isGcm(name) ? c.getAuthTag() : null;
    const d = crypto.createDecipheriv(name, key, iv);
    if (tag) d.setAuthTag(tag);
    const back = [];
    at = 0;
    for (const n of [16, 1, 31, 0, 16, 32, 1000]) {
      back.push(d.update(ct.subarray(at, at + n)).length);
      at += n;
    }
    back.push(d.final().length);
    return [outs, back];
  });
  // input and output encodings, and text split between updates mid-character
  add(`encodings_${name}`, 2, (f) => {
    const key = keyOf(f, name);
    const iv = ivOf(f, name);
    const text = 'Grüße, 世界! 🎉 naïve café — ' + 'x'.repeat(20);
    const outputs = {};
    for (const enc of ['hex', 'base64', 'base64url', 'latin1', 'binary', 'buffer']) {
      const c = crypto.createCipheriv(name, key, iv);
      const a = c.update(text, 'utf8', enc);
      const b = c.update(text.slice(0, 7), 'utf8', enc);
      const z = c.final(enc);
      outputs[enc] = [typeof a === 'string' ? a : hex(a), typeof b === 'string' ? b : hex(b), typeof z === 'string' ? z : hex(z)];
    }
    const inputs = {};
    const raw = Buffer.from(text);
    for (const enc of ['hex', 'base64', 'base64url', 'latin1', 'ucs2', 'utf16le', 'ascii', 'UTF-8', 'HEX', 'nonsense']) {
      const c = crypto.createCipheriv(name, key, iv);
      inputs[enc] = c.update(enc === 'nonsense' ? text : raw.toString(enc.toLowerCase()), enc, 'hex') + c.final('hex');
    }
    // decrypted to utf8 in pieces that split characters: the decoder keeps partial ones
    const [ct, tag] = encrypt(name, key, iv, raw);
    const d = crypto.createDecipheriv(name, key, iv);
    if (tag) d.setAuthTag(tag);
    const pieces = [];
    for (let at = 0; at < ct.length; at += 5) pieces.push(d.update(ct.subarray(at, at + 5), undefined, 'utf8'));
    pieces.push(d.final('utf8'));
    const other = {};
    const e2 = crypto.createCipheriv(name, key, iv);
    other.ucs2 = [e2.update('abc', 'utf8', 'ucs2'), e2.final('utf16le')];
    const e3 = crypto.createCipheriv(name, key, iv);
    other.change = [e3.update('abcabcabcabcabcabc', 'utf8', 'hex'), attempt(() => e3.final('base64'))];
    other.unknown = attempt(() => crypto.createCipheriv(name, key, iv).update('abc', 'utf8', 'nope'));
    other.odd_hex = attempt(() => crypto.createCipheriv(name, key, iv).update('abc', 'hex'));
    other.typed = [hex(crypto.createCipheriv(name, key, iv).update(new Uint16Array([1, 2, 3, 4, 5, 6, 7, 8, 9]))),
      hex(crypto.createCipheriv(name, key, iv).update(new DataView(new Uint8Array(pattern(40)).buffer, 3, 20)))];
    return { outputs, inputs, pieces: pieces.join('') === text, count: pieces.length, other };
  });
  // the wrong key, the wrong IV, a flipped byte: an error, or other bytes, as in Node
  add(`wrong_${name}`, 2, (f) => {
    const key = keyOf(f, name);
    const iv = ivOf(f, name);
    const pt = pattern(70, 5);
    const [ct, tag] = encrypt(name, key, iv, pt);
    const flipped = Buffer.from(ct);
    flipped[3] ^= 1;
    const otherIv = iv && Buffer.from(iv).fill(9, 0, 2);
    return {
      key: attempt(() => decrypt(name, keyOf(f, name, 'other'), iv, ct, tag)),
      iv: iv ? attempt(() => decrypt(name, key, otherIv, ct, tag)) : null,
      flipped: attempt(() => decrypt(name, key, iv, flipped, tag)),
      truncated: attempt(() => decrypt(name, key, iv, ct.subarray(0, ct.length - 1), tag)),
    };
  });
  if (block) { // padding off: whole blocks go through as they are; partial ones fail
    add(`padding_${name}`, 1, (f) => {
      const key = keyOf(f, name);
      const iv = ivOf(f, name);
      const [ct] = encrypt(name, key, iv, pattern(48), { padding: false });
      const [padded] = encrypt(name, key, iv, pattern(40));
      return {
        off: hex(ct), back: hex(decrypt(name, key, iv, ct, null, { padding: false })),
        kept: hex(decrypt(name, key, iv, padded, null, { padding: false })), // the padding bytes stay
        partial: attempt(() => encrypt(name, key, iv, pattern(20), { padding: false })),
        partial_decrypt: attempt(() => decrypt(name, key, iv, ct.subarray(0, 40), null, { padding: false })),
        unpadded_with_padding: attempt(() => decrypt(name, key, iv, ct, null)), // the last byte is not valid padding
        empty: attempt(() => decrypt(name, key, iv, Buffer.alloc(0), null)),
        empty_off: attempt(() => decrypt(name, key, iv, Buffer.alloc(0), null, { padding: false })),
        toggled: attempt(() => {
          const c = crypto.createCipheriv(name, key, iv);
          const a = c.update(pattern(20));
          c.setAutoPadding(false);
          return Buffer.concat([a, c.update(pattern(12)), c.final()]);
        }),
      };
    });
  }
}

// GCM: additional data, tags of every length, IVs of any length
for (const bits of BITS) {
  const name = `aes-${bits}-gcm`;
  add(`gcm_aad_${bits}`, 2, (f) => {
    const key = keyOf(f, name);
    const iv = ivOf(f, name);
    const pt = pattern(50);
    const tagWith = (...aads) => {
      const c = crypto.createCipheriv(name, key, iv);
      for (const [aad, options] of aads) c.setAAD(aad, options);
      c.update(pt);
      c.final();
      return hex(c.getAuthTag());
    };
    return {
      none: tagWith(), empty: tagWith([Buffer.alloc(0)]), one: tagWith([Buffer.from('header')]),
      split: tagWith([Buffer.from('hea')], [Buffer.from('der')]), string: tagWith(['header']),
      hex: tagWith(['686561646572', { encoding: 'hex' }]), long: tagWith([pattern(100, 2)]),
      long_split: tagWith([pattern(100, 2).subarray(0, 17)], [pattern(100, 2).subarray(17)]),
      plaintext_length: tagWith([Buffer.from('header'), { plaintextLength: 50 }]),
      only_aad: (() => {
        const c = crypto.createCipheriv(name, key, iv);
        c.setAAD(Buffer.from('header'));
        return [hex(c.final()), hex(c.getAuthTag())];
      })(),
      empty_update_then_aad: (() => {
        const c = crypto.createCipheriv(name, key, iv);
        c.update('');
        c.setAAD(Buffer.from('header'));
        c.final();
        return hex(c.getAuthTag());
      })(),
      empty_aad_after: (() => {
        const c = crypto.createCipheriv(name, key, iv);
        c.update('abc');
        c.setAAD(Buffer.alloc(0));
        c.final();
        return hex(c.getAuthTag());
      })(),
      aad_after: attempt(() => {
        const c = crypto.createCipheriv(name, key, iv);
        c.update('abc');
        return c.setAAD(Buffer.from('x'));
      }),
      checked: (() => {
        const [ct, tag] = encrypt(name, key, iv, pt, { aad: Buffer.from('header') });
        return [decrypt(name, key, iv, ct, tag, { aad: Buffer.from('header') }).equals(pt),
          attempt(() => decrypt(name, key, iv, ct, tag, { aad: Buffer.from('headex') })),
          attempt(() => decrypt(name, key, iv, ct, tag))];
      })(),
    };
  });
  add(`gcm_tags_${bits}`, 2, (f) => {
    const key = keyOf(f, name);
    const iv = ivOf(f, name);
    const pt = pattern(33);
    const [ct, tag] = encrypt(name, key, iv, pt);
    const out = {};
    for (const n of [4, 8, 12, 13, 14, 15, 16]) {
      const [ct2, short] = encrypt(name, key, iv, pt, { tagLength: n });
      out[`made_${n}`] = [hex(ct2), hex(short)];
      out[`truncated_${n}`] = attempt(() => decrypt(name, key, iv, ct, tag.subarray(0, n)));
      out[`option_${n}`] = attempt(() => decrypt(name, key, iv, ct, tag.subarray(0, n), { tagLength: n }));
    }
    const bad = Buffer.from(tag);
    bad[15] ^= 0x80;
    out.wrong = attempt(() => decrypt(name, key, iv, ct, bad));
    out.missing = attempt(() => decrypt(name, key, iv, ct, null));
    out.after_update = attempt(() => {
      const d = crypto.createDecipheriv(name, key, iv);
      const a = d.update(ct);
      d.setAuthTag(tag);
      return Buffer.concat([a, d.final()]);
    });
    out.hex_tag = attempt(() => {
      const d = crypto.createDecipheriv(name, key, iv);
      d.setAuthTag(tag.toString('hex'), 'hex');
      return Buffer.concat([d.update(ct), d.final()]);
    });
    // the plaintext comes out of update() before the tag is checked, as in Node
    out.unauthenticated = attempt(() => {
      const d = crypto.createDecipheriv(name, key, iv);
      d.setAuthTag(bad);
      const early = d.update(ct);
      return [hex(early), attempt(() => d.final())];
    });
    out.get_twice = attempt(() => {
      const c = crypto.createCipheriv(name, key, iv);
      c.final();
      return [hex(c.getAuthTag()), hex(c.getAuthTag())];
    });
    return out;
  });
  add(`gcm_ivs_${bits}`, 2, (f) => {
    const key = keyOf(f, name);
    const out = {};
    for (const n of [1, 8, 11, 12, 13, 16, 17, 32, 64, 100, 128]) {
      const iv = pattern(n, 9);
      const [ct, tag] = encrypt(name, key, iv, pattern(40));
      out[n] = [hex(ct), hex(tag), decrypt(name, key, iv, ct, tag).equals(pattern(40))];
    }
    return out;
  });
}

// CTR: the whole 16-byte IV is the counter (big-endian), carrying across every byte
add('ctr_counter', 2, (f) => {
  const key = keyOf(f, 'aes-128-ctr');
  const out = {};
  for (const ivHex of ['ffffffffffffffffffffffffffffffff', 'fffffffffffffffffffffffffffffffe', '000000000000000000000000ffffffff',
    '0000000000000000ffffffffffffffff', '00000000000000000000000000000000']) {
    const c = crypto.createCipheriv('aes-128-ctr', key, Buffer.from(ivHex, 'hex'));
    out[ivHex] = [hex(c.update(Buffer.alloc(40))), hex(c.update(Buffer.alloc(100))), hex(c.final())];
  }
  return out;
});

// Keys and IVs in every form Node takes them
add('key_forms', 1, (f) => {
  const key = keyOf(f, 'aes-128-cbc');
  const iv = ivOf(f, 'aes-128-cbc');
  const run = (k, v, options) => {
    const c = crypto.createCipheriv('aes-128-cbc', k, v, options);
    return c.update('some text', 'utf8', 'hex') + c.final('hex');
  };
  return {
    buffer: run(key, iv), secret_key: run(crypto.createSecretKey(key), iv),
    string: attempt(() => run('0123456789abcdef', iv)), string_hex: attempt(() => run(key.toString('hex'), iv, { encoding: 'hex' })),
    array_buffer: run(new Uint8Array(key).buffer, new Uint8Array(iv).buffer),
    data_view: run(new DataView(new Uint8Array(key).buffer), iv), uint32: run(new Uint32Array(new Uint8Array(key).buffer), iv),
    iv_string: run(key, '0123456789abcdef'),
    uppercase: (() => {
      const c = crypto.createCipheriv('AES-128-CBC', key, iv);
      return c.update('x', 'utf8', 'hex') + c.final('hex');
    })(),
    aliases: ['aes128', 'aes192', 'aes256', 'id-aes128-GCM', 'ID-AES256-GCM', 'aes-256-GCM'].map((n) => attempt(() => {
      const info = crypto.getCipherInfo(n);
      const c = crypto.createCipheriv(n, pattern(info.keyLength), pattern(info.ivLength, 4));
      return c.update('alias', 'utf8', 'hex') + c.final('hex');
    })),
    cipheriv_without_new: crypto.Cipheriv('aes-128-cbc', key, iv) instanceof crypto.Cipheriv,
    decipheriv_class: crypto.createDecipheriv('aes-128-cbc', key, iv) instanceof crypto.Decipheriv,
    own: Object.keys(crypto.createCipheriv('aes-128-cbc', key, iv, { authTagLength: 8 })),
    methods: [typeof crypto.createCipheriv('aes-128-gcm', key, pattern(12)).getAuthTag,
      typeof crypto.createCipheriv('aes-128-gcm', key, pattern(12)).setAuthTag,
      typeof crypto.createDecipheriv('aes-128-gcm', key, pattern(12)).setAuthTag,
      typeof crypto.createDecipheriv('aes-128-gcm', key, pattern(12)).getAuthTag],
    returns_this: [crypto.createCipheriv('aes-128-cbc', key, iv).setAutoPadding(false) instanceof crypto.Cipheriv,
      crypto.createCipheriv('aes-128-gcm', key, pattern(12)).setAAD(Buffer.from('a')) instanceof crypto.Cipheriv,
      crypto.createDecipheriv('aes-128-gcm', key, pattern(12)).setAuthTag(Buffer.alloc(16)) instanceof crypto.Decipheriv],
  };
});

// createCipher / createDecipher: the key and IV from a password (EVP_BytesToKey, MD5)
add('password', 1, () => {
  const out = {};
  for (const name of ['aes-256-cbc', 'aes-128-ecb', 'aes-192-ctr', 'aes128']) {
    const c = crypto.createCipher(name, 'a password');
    const ct = c.update('secret message', 'utf8', 'hex') + c.final('hex');
    const d = crypto.createDecipher(name, Buffer.from('a password'));
    out[name] = [ct, d.update(ct, 'hex', 'utf8') + d.final('utf8')];
  }
  return out;
});

add('cipher_info', 1, () => {
  const out = {};
  for (const name of [...NAMES, 'aes128', 'aes192', 'aes256', 'id-aes128-GCM', 'AES-128-CBC', 'foo']) out[name] = crypto.getCipherInfo(name) || null;
  out.nids = [419, 904, 418, 895, 901, 906].map((n) => crypto.getCipherInfo(n) || null);
  out.options = [crypto.getCipherInfo('aes-128-gcm', { ivLength: 5 }), crypto.getCipherInfo('aes-128-gcm', { ivLength: 16 }),
    crypto.getCipherInfo('aes-128-gcm', { ivLength: 128 }), crypto.getCipherInfo('aes-128-gcm', { ivLength: 129 }) || null,
    crypto.getCipherInfo('aes-128-cbc', { ivLength: 5 }) || null, crypto.getCipherInfo('aes-128-cbc', { keyLength: 5 }) || null,
    crypto.getCipherInfo('aes-256-cbc', { keyLength: 32, ivLength: 16 })];
  out.errors = [attempt(() => crypto.getCipherInfo(5.5)), attempt(() => crypto.getCipherInfo({}))];
  out.listed = NAMES.every((n) => crypto.getCiphers().includes(n));
  return out;
});

// Errors, as Node words them
add('errors', 2, (f) => {
  const k16 = keyOf(f, 'aes-128-cbc');
  const k32 = keyOf(f, 'aes-256-gcm');
  const iv16 = ivOf(f, 'aes-128-cbc');
  const iv12 = pattern(12);
  const cbc = () => crypto.createCipheriv('aes-128-cbc', k16, iv16);
  const gcm = () => crypto.createCipheriv('aes-128-gcm', k16, iv12);
  const gcmDecipher = (options) => crypto.createDecipheriv('aes-128-gcm', k16, iv12, options);
  return {
    unknown: attempt(() => crypto.createCipheriv('foo', k16, iv16)),
    unknown_mode: attempt(() => crypto.createCipheriv('aes-128-foo', k16, iv16)),
    legacy_bf: attempt(() => crypto.createCipheriv('bf-cbc', k16, pattern(8))),
    legacy_rc4: attempt(() => crypto.createCipheriv('rc4', k16, null)),
    legacy_des: attempt(() => crypto.createCipheriv('des-cbc', pattern(8), pattern(8))),
    key_length: attempt(() => crypto.createCipheriv('aes-128-cbc', k32, iv16)),
    key_length_gcm: attempt(() => crypto.createDecipheriv('aes-256-gcm', k16, iv12)),
    key_empty: attempt(() => crypto.createCipheriv('aes-128-ctr', Buffer.alloc(0), iv16)),
    iv_length: attempt(() => crypto.createCipheriv('aes-128-cbc', k16, iv12)),
    iv_length_ctr: attempt(() => crypto.createCipheriv('aes-128-ctr', k16, pattern(17))),
    iv_null: attempt(() => crypto.createCipheriv('aes-128-cbc', k16, null)),
    iv_empty_cbc: attempt(() => crypto.createCipheriv('aes-128-cbc', k16, Buffer.alloc(0))),
    iv_undefined: attempt(() => crypto.createCipheriv('aes-128-cbc', k16)),
    iv_number: attempt(() => crypto.createCipheriv('aes-128-cbc', k16, 123)),
    iv_ecb: attempt(() => crypto.createCipheriv('aes-128-ecb', k16, iv16)),
    iv_ecb_null: attempt(() => crypto.createCipheriv('aes-128-ecb', k16, null).update('x').length),
    iv_ecb_empty: attempt(() => crypto.createCipheriv('aes-128-ecb', k16, Buffer.alloc(0)).update('x').length),
    iv_gcm_empty: attempt(() => crypto.createCipheriv('aes-128-gcm', k16, Buffer.alloc(0))),
    iv_gcm_null: attempt(() => crypto.createCipheriv('aes-128-gcm', k16, null)),
    iv_gcm_long: attempt(() => crypto.createCipheriv('aes-128-gcm', k16, pattern(129))),
    iv_gcm_128: attempt(() => crypto.createCipheriv('aes-128-gcm', k16, pattern(128)).update('x').length),
    key_number: attempt(() => crypto.createCipheriv('aes-128-cbc', 123, iv16)),
    key_public: attempt(() => crypto.createCipheriv('aes-128-cbc', crypto.createPublicKey(f.ecPublic), iv16)),
    cipher_number: attempt(() => crypto.createCipheriv(5, k16, iv16)),
    encoding_option: attempt(() => crypto.createCipheriv('aes-128-cbc', k16, iv16, { encoding: 5 })),
    tag_length_option: attempt(() => crypto.createCipheriv('aes-128-gcm', k16, iv12, { authTagLength: 7 })),
    tag_length_string: attempt(() => crypto.createCipheriv('aes-128-gcm', k16, iv12, { authTagLength: '8' })),
    tag_length_negative: attempt(() => crypto.createCipheriv('aes-128-gcm', k16, iv12, { authTagLength: -1 })),
    tag_length_cbc: attempt(() => Object.keys(crypto.createCipheriv('aes-128-cbc', k16, iv16, { authTagLength: 8 }))),
    update_number: attempt(() => cbc().update(5)),
    update_array_buffer: attempt(() => cbc().update(new ArrayBuffer(3))),
    update_after_final: attempt(() => {
      const c = cbc();
      c.final();
      return c.update('a');
    }),
    update_after_final_gcm: attempt(() => {
      const c = gcm();
      c.final();
      return c.update('a');
    }),
    final_twice: attempt(() => {
      const c = cbc();
      c.final();
      return c.final();
    }),
    padding_after_final: attempt(() => {
      const c = cbc();
      c.final();
      return c.setAutoPadding(false);
    }),
    auth_tag_before_final: attempt(() => gcm().getAuthTag()),
    auth_tag_cbc: attempt(() => {
      const c = cbc();
      c.final();
      return c.getAuthTag();
    }),
    set_auth_tag_cbc: attempt(() => crypto.createDecipheriv('aes-128-cbc', k16, iv16).setAuthTag(Buffer.alloc(16))),
    set_aad_cbc: attempt(() => cbc().setAAD(Buffer.from('x'))),
    set_aad_number: attempt(() => gcm().setAAD(5)),
    set_aad_plaintext_length: attempt(() => gcm().setAAD('abc', { plaintextLength: -1 })),
    set_aad_after_final: attempt(() => {
      const c = gcm();
      c.final();
      return c.setAAD(Buffer.from('x'));
    }),
    tag_3: attempt(() => gcmDecipher().setAuthTag(Buffer.alloc(3))),
    tag_17: attempt(() => gcmDecipher().setAuthTag(Buffer.alloc(17))),
    tag_10: attempt(() => gcmDecipher().setAuthTag(Buffer.alloc(10))),
    tag_number: attempt(() => gcmDecipher().setAuthTag(5)),
    tag_twice: attempt(() => gcmDecipher().setAuthTag(Buffer.alloc(16)).setAuthTag(Buffer.alloc(16))),
    tag_mismatch_option: attempt(() => gcmDecipher({ authTagLength: 8 }).setAuthTag(Buffer.alloc(16))),
    tag_after_failed_final: attempt(() => {
      const d = gcmDecipher();
      d.setAuthTag(Buffer.alloc(16));
      attempt(() => d.final());
      return d.setAuthTag(Buffer.alloc(16));
    }),
    no_tag: attempt(() => gcmDecipher().final()),
  };
});

// Ciphers Node has and the edge does not: each must say what there is (edge only: Node has them)
add('unsupported', 1, (f) => {
  const out = {};
  for (const name of f.nodeCiphers) {
    if (crypto.getCiphers().includes(name)) continue;
    out[name] = attempt(() => crypto.createCipheriv(name, Buffer.alloc(32), Buffer.alloc(16)));
  }
  return { ciphers: crypto.getCiphers(), refused: out, decipher: attempt(() => crypto.createDecipheriv('chacha20-poly1305', Buffer.alloc(32), Buffer.alloc(12))),
    info: f.nodeCiphers.filter((n) => !crypto.getCiphers().includes(n)).map((n) => crypto.getCipherInfo(n)).filter((x) => x !== undefined) };
}, 'edge');

// Encrypted here with random IVs (Node decrypts them: tests/test_js_ciphers.py)
add('random_iv', 1, (f) => {
  const out = {};
  for (const name of ['aes-256-gcm', 'aes-128-cbc', 'aes-192-ctr', 'aes-256-ecb']) {
    const key = crypto.randomBytes(Number(name.split('-')[1]) / 8);
    const iv = ivLength(name) ? crypto.randomBytes(ivLength(name)) : null;
    const [ct, tag] = encrypt(name, key, iv, Buffer.from(f.message), { aad: isGcm(name) ? Buffer.from('aad') : undefined });
    out[name] = { key: key.toString('base64'), iv: iv && iv.toString('base64'), ct: ct.toString('base64'), tag: tag && tag.toString('base64') };
  }
  return out;
}, 'made');

// The cases in requests of at most BUDGET (fuel)
const BUDGET = 8;
exports.parts = [];
for (let i = 0, used = Infinity; i < CASES.length; i++) {
  const [name, cost] = CASES[i];
  if (used + cost > BUDGET) {
    exports.parts.push([]);
    used = 0;
  }
  exports.parts[exports.parts.length - 1].push(name);
  used += cost;
}

exports.names = (group) => CASES.filter((c) => c[3] === group).map((c) => c[0]);
exports.run = (f, part) => {
  const names = part === undefined ? CASES.map((c) => c[0]) : exports.parts[part];
  const results = { common: {}, errors: {}, made: {}, edge: {} };
  for (const [name, , fn, group] of CASES) {
    if (names.includes(name)) results[group][name] = fn(f);
  }
  return results;
};
