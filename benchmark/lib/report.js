'use strict';
// Terminal table, JSON file and SVG chart: rshttp/node and rshttp/best-peer
// ratios as bars, the scaling scenario as lines.
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

// Display names of the implementations; peers are all but node and rshttp.
const LABELS = { node: 'node:http', rshttp: 'rshttp', uws: 'uWS.js', bun: 'bun node:http', undici: 'undici' };
const SHORT = { node: 'node', rshttp: 'rshttp', uws: 'uWS', bun: 'bun', undici: 'undici' };
const label = (impl) => LABELS[impl] || impl;
// Column order: the peers, then undici, then anything else.
const ORDER = ['uws', 'bun', 'undici'];
const short = (impl) => SHORT[impl] || impl;

function ioThreadsLine(res) {
  const n = res.options && res.options.ioThreads;
  if (n === null || n === undefined) return 'rshttp I/O threads: RSHTTP_IO_THREADS unset';
  return `rshttp I/O threads: RSHTTP_IO_THREADS=${n} (${res.options.ioThreadsFrom === 'environment' ? 'from the environment' : '--io-threads'})`;
}

function peersLine(res) {
  const p = res.peers || {};
  const parts = Object.entries(p).map(([k, v]) => (v.skipped ? `${label(k)} skipped (${v.skipped})` : `${label(k)} ${v.version} (${v.package})`));
  return `peers: ${parts.length ? parts.join('; ') : 'none'}`;
}

/** A load generator this busy (share of its one core) sets the pace. */
const LOAD_BOUND = 0.95;

const ratioText = (r) => (r === null || r === undefined || !Number.isFinite(r) ? '-' : r.toFixed(2));

// The scaling scenario as a block of its own: one row per point, node,
// rshttp and their ratio for req/s, process CPU and JS-thread CPU.
function scalingBlock(s, out) {
  const W = 10;
  const measures = [['rps', 'req/s', 0], ['cpu_us', 'CPU µs/req', 1], ['js_cpu_us', 'JS µs/req', 1]];
  const head = [pad(s.name, 10), pad('point', 14)];
  for (const [, name] of measures) head.push(pad(`node ${name}`, W + 8, true), pad(`rshttp ${name}`, W + 8, true), pad('ratio', 6, true));
  head.push(pad('load gen busy node/rshttp', 26, true));
  out.push(head.join(' '));
  const points = [];
  for (const k of s.metrics) if (k.point && !points.some((p) => p.id === k.point.id)) points.push(k.point);
  const metric = (pt, measure) => s.metrics.find((m) => m.point && m.point.id === pt.id && m.point.measure === measure);
  const pct = (v) => (v === null || v === undefined ? '-' : `${Math.round(v * 100)}%`);
  let bound = false;
  for (const pt of points) {
    const row = [pad('', 10), pad(pt.label, 14)];
    for (const [measure] of measures) {
      const k = metric(pt, measure);
      row.push(pad(fmt(k && k.node.median, k || {}), W + 8, true), pad(fmt(k && k.rshttp.median, k || {}), W + 8, true), pad(ratioText(k && k.ratio), 6, true));
    }
    const busy = metric(pt, 'load_util');
    if (busy) {
      const mark = Math.max(busy.node.median || 0, busy.rshttp.median || 0) >= LOAD_BOUND ? ' *' : '  ';
      bound ||= mark !== '  ';
      row.push(pad(`${pct(busy.node.median)}/${pct(busy.rshttp.median)}${mark}`, 26, true));
    }
    out.push(row.join(' '));
  }
  if (bound) {
    out.push(`${pad('', 10)} * the load generator (one core) was at least ${Math.round(LOAD_BOUND * 100)}% busy: req/s there is its ceiling, CPU µs/req compares the servers`);
  }
}

function table(res) {
  const out = [];
  const m = res.machine;
  out.push(`rshttp benchmark  ${res.date}`);
  out.push(`machine: ${m.cpu}, ${m.cores} cores, node ${m.node}, ${m.os}`);
  out.push(`load: ${m.loadgen} ${m.loadgenVersion}; ${m.pinning}; rshttp = ${res.rshttpModule}`);
  out.push(ioThreadsLine(res));
  if (res.peers) out.push(peersLine(res));
  out.push(`rounds: ${res.options.rounds} per implementation, alternating, ${res.options.seconds}s each after ${res.options.warmup}s warm-up; figures are medians`);
  if (res.options.scaling && res.scenarios.some((s) => s.name === 'scaling' && s.status !== 'skipped')) {
    const sc = res.options.scaling;
    out.push(`scaling: ${sc.rounds} round${sc.rounds === 1 ? '' : 's'} per implementation of ${sc.seconds}s at each point after ${sc.warmup}s warm-up`);
  }
  out.push('');
  // Implementations some scenario adds beyond node and rshttp (peers, and the
  // client scenario's undici): a value column each.
  const extras = [...new Set(res.scenarios.flatMap((s) => [...(s.extraImpls || []), ...Object.keys(s.skippedImpls || {})]))]
    .filter((x) => x !== 'node' && x !== 'rshttp')
    .sort((a, b) => ORDER.indexOf(a) - ORDER.indexOf(b));
  const hasBest = res.scenarios.some((s) => (s.metrics || []).some((k) => k.bestPeer));
  const head = [pad('scenario', 10), pad('metric', 30), pad('node:http', 11, true), pad('rshttp', 11, true)];
  for (const x of extras) head.push(pad(short(x), 11, true));
  head.push(pad('rshttp/node', 12, true), pad('', 7));
  if (hasBest) head.push(pad('rshttp/best peer', 17, true), pad('', 7));
  out.push(head.join(' ').trimEnd());
  out.push('-'.repeat(head.join(' ').length));
  for (const s of res.scenarios) {
    if (s.status === 'skipped') {
      out.push(`${pad(s.name, 10)} skipped: ${String(s.message).replace(new RegExp(`^${s.name}: `), '')}`);
      continue;
    }
    if (s.metrics.some((k) => k.point)) {
      scalingBlock(s, out);
    } else {
      let first = true;
      const has = [...(s.extraImpls || []), ...Object.keys(s.skippedImpls || {})];
      for (const k of s.metrics) {
        const cell = (impl) => (k[impl] && k[impl].skipped ? 'skipped' : k[impl] && k[impl].failed ? 'FAILED' : fmt(k[impl] && k[impl].median, k));
        const row = [
          pad(first ? s.name : '', 10), pad(`${k.label} (${k.unit})`, 30),
          pad(cell('node'), 11, true), pad(cell('rshttp'), 11, true),
        ];
        for (const x of extras) row.push(pad(has.includes(x) ? cell(x) : '', 11, true));
        row.push(pad(ratioText(k.ratio), 12, true), pad(' ' + verdict(k.ratio, k.better), 7));
        if (hasBest) {
          const b = k.bestPeer;
          row.push(pad(b ? `${ratioText(b.ratio)} ${short(b.impl)}` : '', 17, true), pad(b ? ' ' + verdict(b.ratio, k.better) : '', 7));
        }
        out.push(row.join(' ').trimEnd());
        first = false;
      }
    }
    for (const [impl, why] of Object.entries(s.skippedImpls || {})) out.push(`${pad('', 10)} ${label(impl)} skipped: ${why}`);
    for (const [impl, why] of Object.entries(s.failedPeers || {})) out.push(`${pad('', 10)} ${label(impl)} FAILED (a peer: the scenario goes on): ${why}`);
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
  if (hasBest) out.push('rshttp/best peer = rshttp median / the best peer\'s median on that metric (peer named beside it).');
  out.push('server CPU = the server\'s process tree (utime+stime, /proc); JS-thread CPU = its main thread alone (/proc/<pid>/task/<pid>/stat;');
  out.push('      cluster: the workers\' main threads added up). Both per request (per response, per connection) in the measured window.');
  return out.join('\n');
}

function esc(s) {
  return String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const COLORS = { node: '#4a74b4', rshttp: '#e07b24', uws: '#7a4ab4', bun: '#3a9d8d', undici: '#999' };

// Line charts of the scaling scenario: req/s and CPU µs/req against the
// connection count and against the body size, x on a log scale; CPU panels
// draw the process as a solid line and the JS thread as a dashed one.
function scalingPanels(s, y0, W) {
  const impls = ['node', 'rshttp', ...(s.extraImpls || [])];
  const series = (axis, measure, impl) => s.metrics
    .filter((k) => k.point && k.point.axis === axis && k.point.measure === measure)
    .map((k) => ({ x: k.point.x, label: k.point.label, y: k[impl] ? k[impl].median : null }))
    .sort((a, b) => a.x - b.x);
  const panels = [
    { axis: 'conns', title: 'req/s by connections (hello)', measures: ['rps'] },
    { axis: 'conns', title: 'CPU µs/req by connections (dashed: JS thread)', measures: ['cpu_us', 'js_cpu_us'] },
    { axis: 'bytes', title: 'req/s by body size (64 connections)', measures: ['rps'] },
    { axis: 'bytes', title: 'CPU µs/req by body size (dashed: JS thread)', measures: ['cpu_us', 'js_cpu_us'] },
  ];
  const ph = 190, gap = 50;
  const p = [];
  p.push(`<text x="${W / 2}" y="${y0 + 18}" text-anchor="middle" font-size="14" font-weight="bold">scaling (x: log scale; ${impls.map((i) => `<tspan fill="${COLORS[i] || '#000'}">■ ${esc(label(i))}</tspan>`).join('  ')})</text>`);
  panels.forEach((pn, i) => {
    const px = 55 + (i % 2) * (W / 2), py = y0 + 50 + Math.floor(i / 2) * (ph + gap);
    const w = W / 2 - 85, h = ph - 30;
    const all = [];
    for (const impl of impls) for (const mm of pn.measures) for (const pt of series(pn.axis, mm, impl)) if (pt.y > 0) all.push(pt.y);
    const xs = series(pn.axis, pn.measures[0], 'node');
    if (!xs.length) return;
    // 0 B has no logarithm: it sits one step left of the next size.
    const lx = (v) => (v > 0 ? Math.log2(v) : Math.log2(xs.find((q) => q.x > 0).x) - 2);
    const xmin = lx(xs[0].x), xmax = lx(xs[xs.length - 1].x);
    const X = (v) => px + (xmax === xmin ? w / 2 : ((lx(v) - xmin) / (xmax - xmin)) * w);
    const lo = all.length ? Math.min(...all) : 1, hi = all.length ? Math.max(...all) : 1;
    const log = hi / lo > 20;
    // Linear: 0 to a round number above the top, in steps of 1, 2 or 5
    // times a power of ten.
    const raw = (hi * 1.1) / 4 || 1;
    const step = [1, 2, 5, 10].map((f) => f * 10 ** Math.floor(Math.log10(raw))).find((v) => v >= raw);
    const ylo = log ? 10 ** Math.floor(Math.log10(lo)) : 0;
    const yhi = log ? 10 ** Math.ceil(Math.log10(hi)) : step * Math.ceil((hi * 1.05) / step);
    const Y = (v) => py + h - (log ? (Math.log10(v) - Math.log10(ylo)) / (Math.log10(yhi) - Math.log10(ylo)) : (v - ylo) / (yhi - ylo)) * h;
    p.push(`<text x="${px + w / 2}" y="${py - 8}" text-anchor="middle" font-weight="bold">${esc(pn.title)}</text>`);
    p.push(`<rect x="${px}" y="${py}" width="${w}" height="${h}" fill="none" stroke="#bbb"/>`);
    const ticks = log
      ? Array.from({ length: Math.round(Math.log10(yhi / ylo)) + 1 }, (_, j) => ylo * 10 ** j)
      : Array.from({ length: Math.round(yhi / step) + 1 }, (_, j) => j * step);
    for (const t of ticks) {
      const ty = Y(t || (log ? ylo : 0));
      p.push(`<line x1="${px}" y1="${ty}" x2="${px + w}" y2="${ty}" stroke="#eee"/>`);
      p.push(`<text x="${px - 4}" y="${ty + 4}" text-anchor="end" font-size="10" fill="#333">${t >= 1000 ? `${+(t / 1000).toFixed(1)}k` : +t.toFixed(1)}</text>`);
    }
    for (const q of xs) {
      p.push(`<line x1="${X(q.x)}" y1="${py}" x2="${X(q.x)}" y2="${py + h}" stroke="#eee"/>`);
      p.push(`<text x="${X(q.x)}" y="${py + h + 14}" text-anchor="middle" font-size="10" fill="#333">${esc(q.label.replace(/ (conns?|body)$/, ''))}</text>`);
    }
    for (const impl of impls) {
      pn.measures.forEach((mm, j) => {
        const pts = series(pn.axis, mm, impl).filter((q) => q.y > 0);
        if (!pts.length) return;
        const d = pts.map((q, k) => `${k ? 'L' : 'M'}${X(q.x).toFixed(1)},${Y(q.y).toFixed(1)}`).join(' ');
        p.push(`<path d="${d}" fill="none" stroke="${COLORS[impl] || '#000'}" stroke-width="2"${j ? ' stroke-dasharray="5,3"' : ''}/>`);
        for (const q of pts) p.push(`<circle cx="${X(q.x).toFixed(1)}" cy="${Y(q.y).toFixed(1)}" r="2.5" fill="${COLORS[impl] || '#000'}"/>`);
      });
    }
  });
  return { svg: p.join('\n'), height: 50 + 2 * (ph + gap) };
}

// Horizontal bars, one per metric with a ratio, scaled so that 1.0 is a
// vertical line: rshttp / node:http as a full bar, and beneath it, where the
// scenario has peers, rshttp / best peer as a thinner, lighter one. Green
// where rshttp is better, red where it is worse. The scaling scenario is
// drawn as lines below the bars.
function svg(res) {
  const rows = [];
  for (const s of res.scenarios) {
    for (const k of s.metrics || []) {
      if (k.point) continue;
      const best = k.bestPeer && k.bestPeer.ratio !== null && Number.isFinite(k.bestPeer.ratio) ? k.bestPeer : null;
      const hasNode = k.ratio !== null && Number.isFinite(k.ratio);
      if (hasNode || best) rows.push({ label: `${s.name}: ${k.label}`, ratio: hasNode ? k.ratio : null, best, better: k.better });
    }
  }
  const scaling = res.scenarios.find((s) => s.status !== 'skipped' && (s.metrics || []).some((k) => k.point));
  const W = 800, left = 240, right = 90, top = 78;
  const rowH = (r) => (r.best ? 34 : 24);
  const barsH = rows.reduce((a, r) => a + rowH(r), 0);
  const axisBottom = top + Math.max(barsH, 24);
  const sc = scaling ? scalingPanels(scaling, axisBottom + 60, W) : null;
  const H = axisBottom + 70 + (sc ? sc.height : 0);
  const all = rows.flatMap((r) => [r.ratio, r.best && r.best.ratio]).filter((v) => v !== null && v !== undefined);
  const max = Math.max(2, ...all.map((v) => Math.ceil(v * 2) / 2));
  const x = (v) => left + ((W - left - right) * v) / max;
  const fill = (v, light) => (v === 'better' ? (light ? '#9fd4b0' : '#3a9d5d') : v === 'worse' ? (light ? '#eba89c' : '#d0533f') : (light ? '#ccc' : '#999'));
  const p = [];
  p.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`);
  p.push(`<rect width="${W}" height="${H}" fill="#fff"/>`);
  p.push(`<text x="${W / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">rshttp / node:http and rshttp / best peer (median of ${res.options.rounds} round${res.options.rounds === 1 ? '' : 's'} each)</text>`);
  p.push(`<text x="${W / 2}" y="40" text-anchor="middle" fill="#555">${esc(`${res.machine.cpu}, ${res.machine.cores} cores, node ${res.machine.node}, ${res.machine.loadgen}, ${res.date}`)}</text>`);
  p.push(`<text x="${W / 2}" y="56" text-anchor="middle" fill="#555">${esc(`${ioThreadsLine(res)}; ${res.peers ? peersLine(res).replace(/ \([^)]*\)/g, '') : ''}`)}</text>`);
  for (let t = 0; t <= max + 1e-9; t += 0.5) {
    const tx = x(t);
    p.push(`<line x1="${tx}" y1="${top - 4}" x2="${tx}" y2="${axisBottom + 4}" stroke="${t === 1 ? '#000' : '#ddd'}" stroke-width="${t === 1 ? 1.5 : 1}"/>`);
    p.push(`<text x="${tx}" y="${axisBottom + 18}" text-anchor="middle" fill="#333">${t.toFixed(1)}</text>`);
  }
  let y = top;
  for (const r of rows) {
    p.push(`<text x="${left - 8}" y="${y + 16}" text-anchor="end">${esc(r.label)} (${r.better === 'higher' ? '↑' : '↓'})</text>`);
    if (r.ratio !== null) {
      const v = verdict(r.ratio, r.better);
      p.push(`<rect x="${left}" y="${y + 4}" width="${Math.max(1, x(r.ratio) - left)}" height="16" fill="${fill(v)}"/>`);
      p.push(`<text x="${x(r.ratio) + 4}" y="${y + 16}">${r.ratio.toFixed(2)}</text>`);
    }
    if (r.best) {
      const v = verdict(r.best.ratio, r.better);
      p.push(`<rect x="${left}" y="${y + 22}" width="${Math.max(1, x(r.best.ratio) - left)}" height="9" fill="${fill(v, true)}"/>`);
      p.push(`<text x="${x(r.best.ratio) + 4}" y="${y + 31}" font-size="10" fill="#444">${r.best.ratio.toFixed(2)} vs ${esc(short(r.best.impl))}</text>`);
    }
    y += rowH(r);
  }
  if (!rows.length) p.push(`<text x="${W / 2}" y="${top + 16}" text-anchor="middle">no ratios: every scenario failed or was skipped</text>`);
  p.push(`<text x="${W / 2}" y="${axisBottom + 38}" text-anchor="middle" fill="#555">↑ higher is better, ↓ lower is better; green = rshttp better, red = worse, grey = within 3 %</text>`);
  p.push(`<text x="${W / 2}" y="${axisBottom + 54}" text-anchor="middle" fill="#555">full bar: rshttp / node:http; thin light bar: rshttp / the best peer on that metric</text>`);
  if (sc) p.push(sc.svg);
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

module.exports = { LOAD_BOUND, label, table, svg, write, verdict, ioThreadsLine, peersLine };
