'use strict';
// Terminal table, JSON file and SVG chart of rshttp/node ratios.
const fs = require('fs');
const path = require('path');

function fmt(v, m) {
  if (v === null || v === undefined || Number.isNaN(v)) return '-';
  const d = m.digits !== undefined ? m.digits : (Math.abs(v) >= 100 ? 0 : Math.abs(v) >= 10 ? 1 : 2);
  return v.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
}

function verdict(ratio, better) {
  if (ratio === null || !Number.isFinite(ratio)) return '';
  const good = better === 'higher' ? ratio > 1 : ratio < 1;
  if (Math.abs(ratio - 1) < 0.03) return 'same';
  return good ? 'better' : 'worse';
}

function pad(s, n, right) {
  s = String(s);
  return right ? s.padStart(n) : s.padEnd(n);
}

function table(res) {
  const out = [];
  const m = res.machine;
  out.push(`rshttp benchmark  ${res.date}`);
  out.push(`machine: ${m.cpu}, ${m.cores} cores, node ${m.node}, ${m.os}`);
  out.push(`load: ${m.loadgen} ${m.loadgenVersion}; ${m.pinning}; rshttp = ${res.rshttpModule}`);
  out.push(`rounds: ${res.options.rounds} per implementation, alternating, ${res.options.seconds}s each after ${res.options.warmup}s warm-up; figures are medians`);
  out.push('');
  // Implementations some scenario adds beyond node and rshttp (the client
  // scenario's undici): a value and a ratio to node:http column each.
  const extras = [...new Set(res.scenarios.flatMap((s) => s.extraImpls || []))];
  const head = [pad('scenario', 10), pad('metric', 22), pad('node:http', 12, true), pad('rshttp', 12, true), pad('rshttp/node', 12, true), pad('', 7)];
  for (const x of extras) head.push(pad(x, 12, true), pad(`${x}/node`, 12, true), pad('', 7));
  out.push(head.join(' ').trimEnd());
  out.push('-'.repeat(head.join(' ').length));
  for (const s of res.scenarios) {
    if (s.status === 'skipped') {
      out.push(`${pad(s.name, 10)} skipped: ${String(s.message).replace(new RegExp(`^${s.name}: `), '')}`);
      continue;
    }
    let first = true;
    const ran = s.extraImpls || [];
    for (const k of s.metrics) {
      const cell = (impl) => (k[impl] && k[impl].skipped ? 'skipped' : fmt(k[impl] && k[impl].median, k));
      const ratioOf = (r) => (r === null || r === undefined ? '-' : r.toFixed(2));
      const row = [
        pad(first ? s.name : '', 10), pad(`${k.label} (${k.unit})`, 22),
        pad(cell('node'), 12, true), pad(cell('rshttp'), 12, true),
        pad(ratioOf(k.ratio), 12, true), pad(' ' + verdict(k.ratio, k.better), 7),
      ];
      for (const x of extras) {
        if (!ran.includes(x)) { row.push(pad('', 12), pad('', 12), pad('', 7)); continue; }
        const r = k.ratios ? k.ratios[x] : null;
        row.push(pad(cell(x), 12, true), pad(ratioOf(r), 12, true), pad(' ' + verdict(r, k.better), 7));
      }
      out.push(row.join(' ').trimEnd());
      first = false;
    }
    for (const [impl, why] of Object.entries(s.skippedImpls || {})) out.push(`${pad('', 10)} ${impl} skipped: ${why}`);
    if (s.status === 'failed') out.push(`${pad('', 10)} FAILED: ${s.message}`);
    for (const w of s.warnings || []) out.push(`${pad('', 10)} note: ${w}`);
  }
  out.push('');
  if (m.loadgen === 'autocannon') out.push('note: autocannon (fallback) measures latency in whole milliseconds.');
  if (res.busyRounds && res.busyRounds.length) {
    out.push(`note: other processes were busy during ${res.busyRounds.length} measured round(s) (${res.busyRounds.slice(0, 4).join(', ')}${res.busyRounds.length > 4 ? ', ...' : ''});`);
    out.push('      load average ' + res.loadAverage.start.toFixed(1) + ' at start. req/s suffers most; CPU µs/req much less.');
  }
  if (res.scenarios.some((s) => s.name === 'client' && s.status !== 'skipped')) {
    out.push('client: each round is a fixed count of requests (see README), not the timed window above.');
  }
  out.push('ratio = rshttp median / node:http median; "better" follows each metric\'s direction (req/s up, µs and bytes down).');
  for (const x of extras) out.push(`${x}/node = ${x} median / node:http median, likewise.`);
  return out.join('\n');
}

function esc(s) {
  return String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

// Horizontal bars, one per metric with a ratio, scaled so that 1.0 is a
// vertical line. Green where rshttp is better, red where it is worse.
function svg(res) {
  const rows = [];
  for (const s of res.scenarios) {
    for (const k of s.metrics || []) {
      if (k.ratio !== null && Number.isFinite(k.ratio)) rows.push({ label: `${s.name}: ${k.label}`, ratio: k.ratio, better: k.better });
    }
  }
  const W = 760, left = 230, right = 70, top = 60, rowH = 24, bottom = 50;
  const H = top + Math.max(rows.length, 1) * rowH + bottom;
  const max = Math.max(2, ...rows.map((r) => Math.ceil(r.ratio * 2) / 2));
  const x = (v) => left + ((W - left - right) * v) / max;
  const p = [];
  p.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`);
  p.push(`<rect width="${W}" height="${H}" fill="#fff"/>`);
  p.push(`<text x="${W / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">rshttp / node:http (median of ${res.options.rounds} round${res.options.rounds === 1 ? '' : 's'} each)</text>`);
  p.push(`<text x="${W / 2}" y="40" text-anchor="middle" fill="#555">${esc(`${res.machine.cpu}, ${res.machine.cores} cores, node ${res.machine.node}, ${res.machine.loadgen}, ${res.date}`)}</text>`);
  for (let t = 0; t <= max + 1e-9; t += 0.5) {
    const tx = x(t);
    p.push(`<line x1="${tx}" y1="${top - 4}" x2="${tx}" y2="${H - bottom + 4}" stroke="${t === 1 ? '#000' : '#ddd'}" stroke-width="${t === 1 ? 1.5 : 1}"/>`);
    p.push(`<text x="${tx}" y="${H - bottom + 18}" text-anchor="middle" fill="#333">${t.toFixed(1)}</text>`);
  }
  rows.forEach((r, i) => {
    const y = top + i * rowH;
    const v = verdict(r.ratio, r.better);
    p.push(`<text x="${left - 8}" y="${y + rowH / 2 + 4}" text-anchor="end">${esc(r.label)} (${r.better === 'higher' ? '↑' : '↓'})</text>`);
    p.push(`<rect x="${left}" y="${y + 4}" width="${Math.max(1, x(r.ratio) - left)}" height="${rowH - 8}" fill="${v === 'better' ? '#3a9d5d' : v === 'worse' ? '#d0533f' : '#999'}"/>`);
    p.push(`<text x="${x(r.ratio) + 4}" y="${y + rowH / 2 + 4}">${r.ratio.toFixed(2)}</text>`);
  });
  if (!rows.length) p.push(`<text x="${W / 2}" y="${top + 16}" text-anchor="middle">no ratios: every scenario failed or was skipped</text>`);
  p.push(`<text x="${W / 2}" y="${H - 12}" text-anchor="middle" fill="#555">↑ higher is better, ↓ lower is better; green = rshttp better, red = worse, grey = within 3 %</text>`);
  p.push('</svg>');
  return p.join('\n') + '\n';
}

function write(res, dir) {
  fs.mkdirSync(dir, { recursive: true });
  const stamp = res.date.replace(/[:]/g, '-').replace(/\..*$/, '');
  const json = JSON.stringify(res, null, 2) + '\n';
  const chart = svg(res);
  const files = {
    json: path.join(dir, `bench-${stamp}.json`),
    svg: path.join(dir, `bench-${stamp}.svg`),
  };
  fs.writeFileSync(files.json, json);
  fs.writeFileSync(files.svg, chart);
  fs.writeFileSync(path.join(dir, 'latest.json'), json);
  fs.writeFileSync(path.join(dir, 'latest.svg'), chart);
  return files;
}

module.exports = { table, svg, write, verdict };
