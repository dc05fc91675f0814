// SPDX-License-Identifier: MIT
// ps1check: parse a PowerShell script as Windows PowerShell 5.1 would read
// it, with tree-sitter-powershell, and check the properties the repair
// scripts promise.
//
//   node parse.mjs [--template] [--names FILE] SCRIPT...
//
// For each SCRIPT:
//   - unless --template: it starts with a UTF-8 BOM (5.1 then reads UTF-8;
//     without one it reads the ANSI code page);
//   - the text after the BOM is decoded as UTF-8, as Windows-1252 (Western
//     Europe) and as Shift-JIS (cp932, Japan): each decoding parses without
//     an error node, and every string literal reads the same in all three
//     (a byte that is a quote in one code page would end a literal early
//     and the rest of a name would run as code);
//   - with --names: FILE holds one name per line as hex of its UTF-8 bytes;
//     each name appears only as the value of a literal (directly, or as
//     base64 given to ConvertFrom-SxsBase64), never in code outside
//     literals and comments.
// Exit 0 when all holds, 1 with one line per problem otherwise.
import { readFileSync } from 'node:fs';
import Parser from 'tree-sitter';
import PowerShell from 'tree-sitter-powershell';

const parser = new Parser();
parser.setLanguage(PowerShell);

let template = false;
let names = [];
const files = [];
const args = process.argv.slice(2);
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--template') template = true;
  else if (args[i] === '--names') {
    names = readFileSync(args[++i], 'utf8').split('\n').filter((l) => l.length)
      .map((h) => Buffer.from(h, 'hex').toString('utf8'));
  } else files.push(args[i]);
}

// Windows-1252 as .NET's Encoding(1252) reads it.  Not TextDecoder: some
// node versions decode 'windows-1252' as ISO-8859-1 (0x92 as U+0092, not the
// right single quote U+2019 that matters here).
const CP1252_80_9F = [
  0x20ac, 0x81, 0x201a, 0x192, 0x201e, 0x2026, 0x2020, 0x2021, 0x2c6, 0x2030, 0x160, 0x2039, 0x152, 0x8d, 0x17d, 0x8f,
  0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x2dc, 0x2122, 0x161, 0x203a, 0x153, 0x9d, 0x17e, 0x178,
];
function decode1252(bytes) {
  let out = '';
  for (const b of bytes) out += String.fromCharCode(b >= 0x80 && b <= 0x9f ? CP1252_80_9F[b - 0x80] : b);
  return out;
}

let problems = 0;
function problem(file, msg) {
  problems++;
  console.log(`${file}: ${msg}`);
}

// tree-sitter reads the text through a callback: strings over 32 KiB otherwise fail
function parse(text) {
  return parser.parse((i) => (i < text.length ? text.slice(i, i + 8192) : null));
}

const QUOTES = new Set(["'", '\u2018', '\u2019', '\u201a', '\u201b']);

// the value of a single-quoted literal, as PowerShell reads it
function verbatim(raw) {
  const s = [...raw];
  if (s.length < 2 || !QUOTES.has(s[0]) || !QUOTES.has(s[s.length - 1])) return null;
  let out = '';
  for (let i = 1; i < s.length - 1; i++) {
    out += s[i];
    if (QUOTES.has(s[i]) && QUOTES.has(s[i + 1])) i++;
  }
  return out;
}

// PowerShell ends a single-quoted literal at any of ' and U+2018..U+201B
// unless it is doubled; tree-sitter-powershell knows only '.  The offset
// where PowerShell would end raw early, or -1.
function endsEarly(raw) {
  const s = [...raw];
  if (s.length < 2 || !QUOTES.has(s[0])) return -1;
  for (let i = 1; i < s.length - 1; i++) {
    if (!QUOTES.has(s[i])) continue;
    if (QUOTES.has(s[i + 1]) && i + 1 < s.length - 1) { i++; continue; }
    return i;
  }
  return -1;
}

function isLiteral(type) {
  return /string|here_string|comment/.test(type);
}

// literals (in order), the text outside literals and comments (each of
// those replaced by one space), error nodes
function scan(text) {
  const tree = parse(text);
  const literals = [];
  const holes = [];
  const errors = [];
  const walk = (node) => {
    if (node.type === 'ERROR' || node.isMissing) {
      errors.push(`${node.isMissing ? 'missing' : 'error'} at line ${node.startPosition.row + 1}: ` +
        JSON.stringify(text.slice(node.startIndex, node.startIndex + 60)));
    }
    if (isLiteral(node.type)) {
      if (node.type !== 'comment') literals.push(text.slice(node.startIndex, node.endIndex));
      holes.push([node.startIndex, node.endIndex]);
      return;
    }
    for (const c of node.children) walk(c);
  };
  walk(tree.rootNode);
  let code = '';
  let at = 0;
  for (const [a, b] of holes.sort((x, y) => x[0] - y[0])) {
    if (a < at) continue;
    code += text.slice(at, a) + ' ';
    at = b;
  }
  code += text.slice(at);
  return { literals, code, errors };
}

for (const file of files) {
  let bytes = readFileSync(file);
  const bom = bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  if (!template && !bom) problem(file, 'no UTF-8 BOM: Windows PowerShell 5.1 would read it in the ANSI code page');
  if (bom) bytes = bytes.subarray(3);
  const readings = {};
  try {
    readings['UTF-8'] = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    problem(file, 'not valid UTF-8');
    continue;
  }
  readings['Windows-1252'] = decode1252(bytes);
  readings['Shift-JIS (cp932)'] = new TextDecoder('shift_jis').decode(bytes);
  const scans = {};
  for (const [enc, text] of Object.entries(readings)) {
    scans[enc] = scan(text);
    for (const e of scans[enc].errors.slice(0, 5)) problem(file, `${enc}: parse ${e}`);
  }
  for (const [enc, s] of Object.entries(scans)) {
    for (const raw of s.literals) {
      const at = endsEarly(raw);
      if (at >= 0) {
        problem(file, `read as ${enc}, PowerShell ends the literal ${JSON.stringify(raw)} early, ` +
          `at ${JSON.stringify([...raw][at])}: the rest would run as code`);
        break;
      }
    }
  }
  const ref = scans['UTF-8'];
  for (const [enc, s] of Object.entries(scans)) {
    if (enc === 'UTF-8') continue;
    const n = Math.max(s.literals.length, ref.literals.length);
    for (let i = 0; i < n; i++) {
      if (s.literals[i] !== ref.literals[i]) {
        problem(file, `read as ${enc}, literal ${i + 1} is ${JSON.stringify(s.literals[i])}, ` +
          `not ${JSON.stringify(ref.literals[i])}: a name would end it early`);
        break;
      }
    }
  }
  if (!names.length) continue;
  const values = new Set();
  for (const raw of ref.literals) {
    const v = verbatim(raw);
    if (v === null) continue;
    values.add(v);
    if (/^[A-Za-z0-9+/]*={0,2}$/.test(v) && v.length % 4 === 0) {
      values.add(Buffer.from(v, 'base64').toString('utf8'));
    }
  }
  for (const name of names) {
    if (![...values].some((v) => v === name || v.endsWith('\\' + name))) {
      problem(file, `name ${JSON.stringify(name)} is not the value of any literal`);
    }
    // the name, and every run of ASCII in it (what survives any code page),
    // must not be code in any reading
    const parts = [name, ...name.split(/[^\x20-\x7e]+/).filter((r) => r.trim().length >= 6)];
    for (const [enc, s] of Object.entries(scans)) {
      const hit = parts.find((p) => p.length >= 4 && s.code.includes(p));
      if (hit !== undefined) {
        problem(file, `read as ${enc}, ${JSON.stringify(hit)} of name ${JSON.stringify(name)} is code, outside a literal`);
      }
    }
  }
}
process.exit(problems ? 1 : 0);
