// The messages assert generates, worded and laid out as Node 20's: `Expected values to be strictly
// equal:\n\n1 !== 2\n` for short values, a line diff (`+ actual - expected`) of the inspected values
// for longer ones, the not-equal and loose forms, and `<actual> <operator> <expected>` for the rest.
defineBuiltin('internal/assert_message', function (exports, require, module, internal) {
  const { inspect } = require('util');

  const HEADERS = {
    deepStrictEqual: 'Expected values to be strictly deep-equal:',
    strictEqual: 'Expected values to be strictly equal:',
    strictEqualObject: 'Expected "actual" to be reference-equal to "expected":',
    deepEqual: 'Expected values to be loosely deep-equal:',
    notDeepStrictEqual: 'Expected "actual" not to be strictly deep-equal to:',
    notStrictEqual: 'Expected "actual" to be strictly unequal to:',
    notStrictEqualObject: 'Expected "actual" not to be reference-equal to "expected":',
    notDeepEqual: 'Expected "actual" not to be loosely deep-equal to:',
    notIdentical: 'Values have same structure but are not reference-equal:',
    notDeepEqualUnequal: 'Expected values not to be loosely deep-equal:',
  };
  const SHORT = 12; // both values in this many characters: `a !== b` rather than a diff
  const LINE = 80; // a single-line pair shorter than this gets a `^` under the first difference
  const MAX_PRINTED = 50; // diff lines before the rest is cut
  const SKIPPED = ' ... Lines skipped';

  // Every property, sorted, unabridged, without custom inspection: what the comparison saw
  function inspectValue(value) {
    return inspect(value, {
      compact: false, customInspect: false, depth: 1000, maxArrayLength: Infinity, showHidden: false,
      showProxy: false, sorted: true, getters: true,
    });
  }

  const isObject = (v) => typeof v === 'object' && v !== null;

  // strictEqual's and deepStrictEqual's message; `header` is the caller's message, when it gave one
  function diffMessage(actual, expected, operator, header) {
    const actualText = inspectValue(actual);
    const actualLines = actualText.split('\n');
    const expectedLines = inspectValue(expected).split('\n');
    if (operator === 'strictEqual' && ((isObject(actual) && isObject(expected)) ||
        (typeof actual === 'function' && typeof expected === 'function'))) {
      operator = 'strictEqualObject';
    }
    const title = header || HEADERS[operator];
    let pointer = ''; // the `^` under a single line's first difference
    if (actualLines.length === 1 && expectedLines.length === 1 && actualLines[0] !== expectedLines[0]) {
      const [a, b] = [actualLines[0], expectedLines[0]];
      if (a.length + b.length <= SHORT) {
        if (!isObject(actual) && !isObject(expected) && (actual !== 0 || expected !== 0)) return `${title}\n\n${a} !== ${b}\n`;
      } else if (operator !== 'strictEqualObject' && a.length + b.length < LINE) {
        let at = 0;
        while (a[at] === b[at]) at++;
        if (at > 2) pointer = `\n  ${' '.repeat(at)}^`;
      }
    }

    // The identical lines both end with: the last three kept, one more above a `...` when more were
    let tail = '';
    let topOfTail = '';
    let sameAtEnd = 0;
    while (actualLines.length > 0 && expectedLines.length > 0 &&
           actualLines[actualLines.length - 1] === expectedLines[expectedLines.length - 1]) {
      const line = actualLines.pop();
      expectedLines.pop();
      if (sameAtEnd++ < 3) tail = `\n  ${line}${tail}`;
      else topOfTail = line;
    }
    const lineCount = Math.max(actualLines.length, expectedLines.length);
    if (lineCount === 0) return `${HEADERS.notIdentical}\n\n${cutLines(actualText.split('\n')).join('\n')}\n`;
    let skipped = false;
    if (sameAtEnd >= 5) {
      tail = `\n...${tail}`;
      skipped = true;
    }
    if (topOfTail !== '') tail = `\n  ${topOfTail}${tail}`;

    let out = '';
    let pendingMinus = ''; // expected's lines, printed after a run of actual's so they read +++---
    let printed = 0;
    let identical = 0;
    // Before a difference, the identical lines since the last: at most two kept, `...` for more
    const flushIdentical = (lines, i) => {
      if (identical > 2) {
        if (identical > 3) {
          if (identical > 4) {
            if (identical === 5) {
              out += `\n  ${lines[i - 3]}`;
              printed++;
            } else {
              out += '\n...';
              skipped = true;
            }
          }
          out += `\n  ${lines[i - 2]}`;
          printed++;
        }
        out += `\n  ${lines[i - 1]}`;
        printed++;
      }
      identical = 0;
    };
    const longer = actualLines.length < lineCount ? expectedLines : actualLines;
    const sign = longer === actualLines ? '+' : '-';
    const shorterLength = Math.min(actualLines.length, expectedLines.length);
    const head = `${title}\n+ actual - expected`;
    for (let i = 0; i < lineCount; i++) {
      if (i >= shorterLength) { // only the longer value has this line
        flushIdentical(longer, i);
        if (longer === actualLines) out += `\n${sign} ${longer[i]}`;
        else pendingMinus += `\n${sign} ${longer[i]}`;
        printed++;
      } else {
        const expectedLine = expectedLines[i];
        let actualLine = actualLines[i];
        // a line that differs only by a trailing comma (the last entry on one side) is the same line
        let differs = actualLine !== expectedLine && !(actualLine.endsWith(',') && actualLine.slice(0, -1) === expectedLine);
        if (differs && expectedLine.endsWith(',') && expectedLine.slice(0, -1) === actualLine) {
          differs = false;
          actualLine += ',';
        }
        if (differs) {
          flushIdentical(actualLines, i);
          out += `\n+ ${actualLine}`;
          pendingMinus += `\n- ${expectedLine}`;
          printed += 2;
        } else {
          out += pendingMinus;
          pendingMinus = '';
          identical++;
          if (identical <= 2) {
            out += `\n  ${actualLine}`;
            printed++;
          }
        }
      }
      if (printed > MAX_PRINTED && i < lineCount - 2) return `${head}${SKIPPED}\n${out}\n...${pendingMinus}\n...`;
    }
    return `${head}${skipped ? SKIPPED : ''}\n${out}${pendingMinus}${tail}${pointer}`;
  }

  // A long inspected value: its first 46 lines and `...`
  function cutLines(lines) {
    if (lines.length <= MAX_PRINTED) return lines;
    return [...lines.slice(0, 46), '...'];
  }
  const cut = (text, max) => (text.length > max ? `${text.slice(0, max - 3)}...` : text);

  // The message of an AssertionError made without one (or strictEqual's and deepStrictEqual's with one,
  // which heads their diff)
  function generatedMessage(actual, expected, operator, header) {
    if (operator === 'deepStrictEqual' || operator === 'strictEqual') return diffMessage(actual, expected, operator, header);
    if (operator === 'notDeepStrictEqual' || operator === 'notStrictEqual') {
      const title = operator === 'notStrictEqual' && (isObject(actual) || typeof actual === 'function')
        ? HEADERS.notStrictEqualObject : HEADERS[operator];
      const lines = cutLines(inspectValue(actual).split('\n'));
      if (lines.length === 1) return `${title}${lines[0].length > 5 ? '\n\n' : ' '}${lines[0]}`;
      return `${title}\n\n${lines.join('\n')}\n`;
    }
    let actualText = inspectValue(actual);
    let expectedText = inspectValue(expected);
    if (operator === 'notDeepEqual' && actualText === expectedText) return cut(`${HEADERS.notDeepEqual}\n\n${actualText}`, 1024);
    actualText = cut(actualText, 512);
    expectedText = cut(expectedText, 512);
    if (operator === 'deepEqual') return `${HEADERS.deepEqual}\n\n${actualText}\n\nshould loosely deep-equal\n\n${expectedText}`;
    if (operator === 'notDeepEqual') {
      return `${HEADERS.notDeepEqualUnequal}\n\n${actualText}\n\nshould not loosely deep-equal\n\n${expectedText}`;
    }
    return `${actualText} ${operator} ${expectedText}`;
  }

  // util.inspect(assertionError): a long string actual or expected is cut to ten lines or 512 characters
  function abridged(value) {
    if (typeof value !== 'string') return value;
    const lines = value.split('\n', 11);
    if (lines.length > 10) return `${lines.slice(0, 10).join('\n')}\n...`;
    return value.length > 512 ? `${value.slice(512)}...` : value; // Node 20 keeps what follows the 512th
  }

  Object.assign(exports, { generatedMessage, inspectValue, abridged });
});
