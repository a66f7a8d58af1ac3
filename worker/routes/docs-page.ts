// The /docs page: static HTML with an inline script that renders /openapi.json (routes,
// parameters, bodies, responses). Self-contained: the machine may be offline, no CDN assets.

const STYLE = `
body{font:15px/1.5 system-ui,sans-serif;margin:0;color:#1f2328;background:#f6f8fa}
header{background:#0b3d2e;color:#fff;padding:16px 24px}header h1{margin:0;font-size:22px}
main{max-width:1000px;margin:0 auto;padding:16px 24px}
h2{margin:28px 0 8px;border-bottom:1px solid #d0d7de}
details{background:#fff;border:1px solid #d0d7de;border-radius:6px;margin:8px 0}
summary{cursor:pointer;padding:8px 12px;display:flex;gap:12px;align-items:center}
.m{font:bold 12px monospace;padding:2px 8px;border-radius:4px;color:#fff;min-width:54px;text-align:center}
.get{background:#1f6feb}.post{background:#1a7f37}.put{background:#9a6700}.delete{background:#cf222e}.patch{background:#8250df}
.p{font-family:monospace}.s{color:#57606a}.body{padding:0 16px 12px}
pre{background:#f6f8fa;padding:8px;border-radius:4px;overflow:auto;font-size:13px}
table{border-collapse:collapse}td,th{border:1px solid #d0d7de;padding:4px 8px;text-align:left;vertical-align:top}
`;

const SCRIPT = `
const el = (tag, attrs = {}, ...kids) => { const n = document.createElement(tag); Object.assign(n, attrs); n.append(...kids); return n; };
let doc;
const deref = (s) => { let seen = 0; while (s && s.$ref && seen++ < 20) s = doc.components.schemas[s.$ref.split('/').pop()]; return s || {}; };
function shape(schema, depth) {
  const s = deref(schema);
  if (depth > 6) return '…';
  const alts = s.oneOf || s.anyOf;
  if (alts) return alts.map((a) => shape(a, depth)).join('\\n  | ');
  if (s.type === 'array') { const inner = shape(s.items, depth); return (inner.includes(' | ') ? '(' + inner + ')' : inner) + '[]'; }
  if (s.type === 'object' || s.properties) {
    const req = new Set(s.required || []);
    const pad = '  '.repeat(depth + 1);
    const props = Object.entries(s.properties || {}).map(([k, v]) => pad + k + (req.has(k) ? '' : '?') + ': ' + shape(v, depth + 1));
    if (s.additionalProperties && typeof s.additionalProperties === 'object') props.push(pad + '[name]: ' + shape(s.additionalProperties, depth + 1));
    return '{\\n' + props.join(',\\n') + '\\n' + '  '.repeat(depth) + '}';
  }
  if (s.enum) return s.enum.map((e) => JSON.stringify(e)).join(' | ');
  return (s.type || 'any') + (s.nullable ? ' | null' : '');
}
function operation(path, method, op) {
  const body = el('div', { className: 'body' });
  if (op.description) body.append(el('p', { textContent: op.description }));
  body.append(el('p', { textContent: 'Auth: ' + (op.security && op.security.length ? 'apikey header' : 'none') }));
  if (op.parameters && op.parameters.length) {
    const t = el('table', {}, el('tr', {}, el('th', { textContent: 'parameter' }), el('th', { textContent: 'in' }), el('th', { textContent: 'description' })));
    for (const p of op.parameters) t.append(el('tr', {}, el('td', { textContent: p.name + (p.required ? '' : '?') }), el('td', { textContent: p.in }), el('td', { textContent: p.description || '' })));
    body.append(t);
  }
  const req = op.requestBody && op.requestBody.content && op.requestBody.content['application/json'];
  if (req) body.append(el('h4', { textContent: 'Request body' }), el('pre', { textContent: shape(req.schema, 0) }));
  for (const [status, res] of Object.entries(op.responses || {})) {
    const c = res.content && res.content['application/json'];
    body.append(el('h4', { textContent: status + ' — ' + (res.description || '') }));
    if (c && status < '400') body.append(el('pre', { textContent: shape(c.schema, 0) }));
  }
  return el('details', {}, el('summary', {}, el('span', { className: 'm ' + method, textContent: method.toUpperCase() }), el('span', { className: 'p', textContent: path }), el('span', { className: 's', textContent: op.summary || '' })), body);
}
fetch('/openapi.json').then((r) => r.json()).then((d) => {
  doc = d; doc.components = doc.components || { schemas: {} }; doc.components.schemas = doc.components.schemas || {};
  const main = document.querySelector('main');
  main.textContent = '';
  main.append(el('p', { textContent: d.info.description || '' }), el('p', {}, el('a', { href: '/openapi.json', textContent: 'openapi.json' })));
  const groups = new Map();
  for (const [path, item] of Object.entries(d.paths || {})) for (const [method, op] of Object.entries(item)) {
    const tag = (op.tags && op.tags[0]) || 'Other';
    if (!groups.has(tag)) groups.set(tag, []);
    groups.get(tag).push(operation(path, method, op));
  }
  for (const [tag, ops] of groups) main.append(el('h2', { textContent: tag }), ...ops);
}).catch((e) => { document.querySelector('main').textContent = 'Could not load /openapi.json: ' + e; });
`;

export const DOCS_PAGE_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>l2msg API</title><style>${STYLE}</style></head>
<body><header><h1>l2msg API</h1></header><main>Loading <a href="/openapi.json">/openapi.json</a>…</main>
<script>${SCRIPT}</script></body></html>`;
