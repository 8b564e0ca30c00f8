// Tiny SVG charts (our own): stacked bars per day, simple bars, and a line. Presentation attributes
// only (no style attributes), so they pass the strict CSP.
const NS = "http://www.w3.org/2000/svg";
const PALETTE = ["#2fe3ff", "#ff4fb0", "#ffcc4d", "#9b7bff", "#3ff0a0", "#ff8a4c", "#b8c2e6", "#4fb4ff"];

function el(tag, attrs = {}, ...children) {
  const node = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return node;
}

function frame(width, height, title) {
  return el("svg", { viewBox: `0 0 ${width} ${height}`, class: "chart", role: "img", "aria-label": title }, el("title", {}, title));
}

function niceMax(v) {
  if (v <= 4) return 4; // keeps the four grid steps on whole numbers
  const p = 10 ** Math.floor(Math.log10(v));
  return Math.ceil(v / p) * p;
}

function axis(svg, width, height, pad, max) {
  for (let i = 0; i <= 4; i++) {
    const y = height - pad.b - ((height - pad.t - pad.b) * i) / 4;
    svg.append(el("line", { x1: pad.l, x2: width - pad.r, y1: y, y2: y, class: "axis", "stroke-width": 1 }));
    svg.append(el("text", { x: pad.l - 6, y: y + 4, "text-anchor": "end" }, Math.round((max * i) / 4).toLocaleString("en-US")));
  }
}

/** labels: x labels; series: {name: [values per label]} stacked. */
export function stackedBars(labels, series, title) {
  const width = 640, height = 240, pad = { l: 64, r: 10, t: 10, b: 30 };
  const names = Object.keys(series);
  const totals = labels.map((_, i) => names.reduce((s, n) => s + (series[n][i] || 0), 0));
  const max = niceMax(Math.max(0, ...totals));
  const svg = frame(width, height, title);
  axis(svg, width, height, pad, max);
  const slot = (width - pad.l - pad.r) / Math.max(1, labels.length);
  const barW = Math.max(4, slot * 0.6);
  labels.forEach((label, i) => {
    let y = height - pad.b;
    const x = pad.l + slot * i + (slot - barW) / 2;
    names.forEach((n, k) => {
      const v = series[n][i] || 0;
      const hgt = ((height - pad.t - pad.b) * v) / max;
      if (hgt > 0) {
        y -= hgt;
        svg.append(el("rect", { x, y, width: barW, height: hgt, fill: PALETTE[k % PALETTE.length], rx: 2 }, el("title", {}, `${label} ${n}: ${v.toLocaleString("en-US")}`)));
      }
    });
    if (labels.length <= 16 || i % Math.ceil(labels.length / 8) === 0) {
      svg.append(el("text", { x: pad.l + slot * i + slot / 2, y: height - 10, "text-anchor": "middle" }, label.slice(5)));
    }
  });
  return svg;
}

/** pairs: [[label, value]] as horizontal-ish vertical bars. */
export function bars(pairs, title) {
  const labels = pairs.map((p) => p[0]);
  const series = {};
  pairs.forEach(([name, v], i) => { series[name] = labels.map((_, j) => (j === i ? v : 0)); });
  return stackedBars(labels.map((l) => `     ${l}`), series, title);
}

export function line(labels, values, title) {
  const width = 640, height = 200, pad = { l: 48, r: 10, t: 10, b: 30 };
  const max = niceMax(Math.max(0, ...values));
  const svg = frame(width, height, title);
  axis(svg, width, height, pad, max);
  const step = (width - pad.l - pad.r) / Math.max(1, labels.length - 1);
  const pts = values.map((v, i) => [pad.l + step * i, height - pad.b - ((height - pad.t - pad.b) * v) / max]);
  if (pts.length) svg.append(el("polyline", { points: pts.map((p) => p.join(",")).join(" "), fill: "none", stroke: PALETTE[0], "stroke-width": 2.5 }));
  pts.forEach(([x, y], i) => svg.append(el("circle", { cx: x, cy: y, r: 3, fill: PALETTE[0] }, el("title", {}, `${labels[i]}: ${values[i]}`))));
  labels.forEach((l, i) => {
    if (labels.length <= 16 || i % Math.ceil(labels.length / 8) === 0) svg.append(el("text", { x: pad.l + step * i, y: height - 10, "text-anchor": "middle" }, l.slice(5)));
  });
  return svg;
}

export function legend(names) {
  const box = document.createElement("div");
  box.className = "chart-legend";
  names.forEach((n, k) => {
    const item = document.createElement("span");
    const sw = document.createElement("span");
    sw.className = "swatch";
    sw.style.setProperty("--swatch", PALETTE[k % PALETTE.length]);
    item.append(sw, document.createTextNode(n));
    box.append(item);
  });
  return box;
}
