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

function isLiteral(type) {
  return /string|here_string|comment/.test(type);
}

// literals (in order), code text outside literals and comments, error nodes
function scan(text) {
  const tree = parse(text);
  const literals = [];
  const code = [];
  const errors = [];
  const walk = (node) => {
    if (node.type === 'ERROR' || node.isMissing) {
      errors.push(`${node.isMissing ? 'missing' : 'error'} at line ${node.startPosition.row + 1}: ` +
        JSON.stringify(text.slice(node.startIndex, node.startIndex + 60)));
    }
    if (node.type === 'comment') return;
    if (isLiteral(node.type) && node.type !== 'comment') {
      literals.push(text.slice(node.startIndex, node.endIndex));
      return;
    }
    if (node.childCount === 0) code.push(text.slice(node.startIndex, node.endIndex));
    for (const c of node.children) walk(c);
  };
  walk(tree.rootNode);
  return { literals, code: code.join(' '), errors };
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
  readings['Windows-1252'] = new TextDecoder('windows-1252').decode(bytes);
  readings['Shift-JIS (cp932)'] = new TextDecoder('shift_jis').decode(bytes);
  const scans = {};
  for (const [enc, text] of Object.entries(readings)) {
    scans[enc] = scan(text);
    for (const e of scans[enc].errors.slice(0, 5)) problem(file, `${enc}: parse ${e}`);
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
    for (const [enc, s] of Object.entries(scans)) {
      if (name.length >= 4 && s.code.includes(name)) {
        problem(file, `read as ${enc}, name ${JSON.stringify(name)} appears in code outside a literal`);
      }
    }
  }
}
process.exit(problems ? 1 : 0);
