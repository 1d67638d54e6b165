// The API docs page: every route of the node, read from its OpenAPI document (/openapi.json), by tag.
const esc = (s) =>
  String(s ?? '').replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);

async function main() {
  const doc = await (await fetch('/openapi.json')).json();
  document.getElementById('api-info').textContent = `${doc.info.title} ${doc.info.version}`;
  const byTag = new Map();
  for (const [path, ops] of Object.entries(doc.paths))
    for (const [method, op] of Object.entries(ops)) {
      const tag = op.tags?.[0] ?? 'other';
      if (!byTag.has(tag)) byTag.set(tag, []);
      byTag.get(tag).push({ path, method, op });
    }
  let html = `<p class="muted">${esc(doc.info.description)}</p>`;
  for (const [tag, routes] of byTag) {
    html += `<h2>${esc(tag)}</h2><table class="routes"><thead><tr><th>method</th><th>path</th><th>what</th><th>parameters</th><th>answers</th></tr></thead><tbody>`;
    for (const { path, method, op } of routes)
      html += `<tr><td class="mono">${method.toUpperCase()}${op.security ? ' 🔒' : ''}</td><td class="mono">${esc(path)}</td>
        <td>${esc(op.summary)}</td><td class="muted">${(op.parameters ?? []).map((p) => esc(p.name)).join(', ')}</td>
        <td class="muted">${Object.keys(op.responses ?? {}).join(' ')}</td></tr>`;
    html += '</tbody></table>';
  }
  document.getElementById('docs').innerHTML = html;
}

main().catch((err) => {
  document.getElementById('docs').textContent = `Could not read /openapi.json: ${err.message}`;
});
