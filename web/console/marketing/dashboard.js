// The marketer dashboard: offer exposures and acceptance, segment sizes, handoff rate
// by reason and CSAT, each drawn with Chart.js and given as tables too; the offers'
// Results (results.js).
"use strict";

import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
} from "chart.js";
import { api, el, clear } from "../api.js";
import { renderResults } from "./results.js";

Chart.register(BarController, BarElement, CategoryScale, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip);

const API = "/api/marketing/stats";
const $ = (id) => document.getElementById(id);
// Colour-blind-safe (Okabe-Ito) first; lines also differ by dash so colour is never the only cue.
export const PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"];
const DASHES = [[], [6, 3], [2, 2], [8, 3, 2, 3]];
const charts = new Map();
export const percent = (rate) => (rate === null || rate === undefined ? "–" : `${(rate * 100).toFixed(1)}%`);
export const number = (value) => Number(value).toLocaleString();

export function bucketLabel(iso, bucket) {
  const date = new Date(iso);
  const options = bucket === "hour"
    ? { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", timeZone: "UTC" }
    : { month: "short", day: "numeric", timeZone: "UTC" };
  return date.toLocaleString([], options);
}

export function draw(id, config, summary) {
  if (charts.has(id)) charts.get(id).destroy();
  const canvas = $(id);
  canvas.setAttribute("aria-label", summary);
  config.options = {
    responsive: true,
    maintainAspectRatio: false,
    animation: false,
    plugins: { legend: { position: "bottom" } },
    ...config.options,
  };
  charts.set(id, new Chart(canvas, config));
}

export function fillTable(table, rows) {
  const body = table.querySelector("tbody");
  clear(body);
  for (const cells of rows) body.append(el("tr", {}, ...cells.map((text, i) => el(i === 0 ? "th" : "td", i === 0 ? { scope: "row", text } : { text }))));
  if (!rows.length) {
    const columns = table.querySelectorAll("thead th").length || 1;
    body.append(el("tr", {}, el("td", { colspan: columns, class: "mk-muted", text: "No data in this period." })));
  }
}

export function topList(items, describe, limit = 8) {
  const shown = items.slice(0, limit).map(describe).join("; ");
  return items.length > limit ? `${shown}; and ${items.length - limit} more` : shown;
}

// --- offers ----------------------------------------------------------------

function renderOffers(data) {
  const labels = data.buckets.map((iso) => bucketLabel(iso, data.bucket));
  const lineOf = (series, index, values) => ({
    label: `${series.rule} / ${series.variant}`,
    data: values,
    borderColor: PALETTE[index % PALETTE.length],
    backgroundColor: PALETTE[index % PALETTE.length],
    borderDash: DASHES[Math.floor(index / PALETTE.length) % DASHES.length],
    spanGaps: false,
    tension: 0.2,
  });
  const period = `per ${data.bucket} from ${labels[0] || "?"} to ${labels[labels.length - 1] || "?"} (UTC)`;
  const totals = data.series.length
    ? topList(data.series, (s) => `${s.rule} / ${s.variant}: ${s.totals.exposures} exposures, ${percent(s.totals.acceptance_rate)} accepted`)
    : "no offers shown";
  draw(
    "mk-exposures-chart",
    { type: "line", data: { labels, datasets: data.series.map((s, i) => lineOf(s, i, s.exposures)) }, options: { scales: { y: { beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: "exposures" } } } } },
    `Line chart of offer exposures ${period}, one line per rule and variant. Totals: ${totals}.`,
  );
  draw(
    "mk-acceptance-chart",
    {
      type: "line",
      data: { labels, datasets: data.series.map((s, i) => lineOf(s, i, s.acceptance_rate.map((r) => (r === null ? null : r * 100)))) },
      options: { scales: { y: { beginAtZero: true, suggestedMax: 100, title: { display: true, text: "% accepted" } } } },
    },
    `Line chart of the acceptance rate ${period}, one line per rule and variant; gaps where nothing was shown. Totals: ${totals}.`,
  );

  const rows = [];
  for (const rule of data.rules) {
    for (const s of data.series.filter((item) => item.rule === rule.rule)) {
      rows.push([s.rule, s.variant, number(s.totals.exposures), number(s.totals.clicks), number(s.totals.accepts), percent(s.totals.acceptance_rate), ""]);
    }
    rows.push([rule.rule, "all variants", number(rule.exposures), number(rule.clicks), number(rule.accepts), percent(rule.acceptance_rate), number(rule.controls)]);
  }
  fillTable($("mk-offer-totals"), rows);

  const buckets = $("mk-offer-buckets");
  const head = buckets.querySelector("thead");
  clear(head);
  head.append(el("tr", {}, el("th", { scope: "col", text: "Period (UTC)" }), ...data.series.map((s) => el("th", { scope: "col", text: `${s.rule} / ${s.variant}` }))));
  fillTable(
    buckets,
    data.series.length ? labels.map((label, i) => [label, ...data.series.map((s) => `${s.exposures[i]} (${s.accepts[i]})`)]) : [],
  );
}

// --- segments ----------------------------------------------------------------

function renderSegments(data) {
  $("mk-segments-note").textContent = data.version
    ? `Customers in each segment of the latest segmentation run (${new Date(data.created_at).toLocaleString()}).`
    : "No segmentation has run yet (python -m jobs.segments run).";
  const labels = data.segments.map((s) => `${s.id}: ${s.label}`);
  draw(
    "mk-segments-chart",
    {
      type: "bar",
      data: { labels, datasets: [{ label: "customers", data: data.segments.map((s) => s.size), backgroundColor: PALETTE[0] }] },
      options: { indexAxis: "y", plugins: { legend: { display: false } }, scales: { x: { beginAtZero: true, ticks: { precision: 0 } } } },
    },
    data.segments.length
      ? `Bar chart of segment sizes: ${topList(data.segments, (s) => `segment ${s.id} "${s.label}" ${s.size} customers`)}.`
      : "No segments yet.",
  );
  fillTable($("mk-segments-table"), data.segments.map((s) => [String(s.id), s.label, number(s.size), percent(s.share)]));
}

// --- handoffs ---------------------------------------------------------------

function renderHandoffs(data) {
  $("mk-handoffs-summary").textContent =
    `${number(data.handoffs)} handoffs, ${number(data.conversations_started)} conversations started: ` +
    `${data.rate === null ? "no conversations to compare with" : `${(data.rate * 100).toFixed(1)} per 100 conversations`}.`;
  const sources = $("mk-handoffs-sources");
  clear(sources);
  for (const source of data.sources) sources.append(el("li", { text: source }));
  const per100 = (rate) => (rate === null ? null : Math.round(rate * 1000) / 10);
  draw(
    "mk-handoffs-chart",
    {
      type: "bar",
      data: {
        labels: data.by_reason.map((r) => r.reason),
        datasets: [{ label: "handoffs per 100 conversations", data: data.by_reason.map((r) => per100(r.rate) ?? 0), backgroundColor: PALETTE[5] }],
      },
      options: { indexAxis: "y", plugins: { legend: { display: false } }, scales: { x: { beginAtZero: true } } },
    },
    data.by_reason.length
      ? `Bar chart of handoffs per 100 conversations by reason: ${topList(data.by_reason, (r) => `${r.reason}: ${r.count} (${per100(r.rate) ?? "n/a"})`)}.`
      : "No handoffs in this period.",
  );
  fillTable($("mk-handoffs-table"), data.by_reason.map((r) => [r.reason, number(r.count), r.rate === null ? "–" : String(per100(r.rate))]));
}

// --- CSAT ----------------------------------------------------------------------

function renderCsat(data) {
  $("mk-csat-summary").textContent = data.count
    ? `${number(data.count)} ratings, average ${data.average} out of 5.`
    : "No ratings in this period.";
  const scores = ["1", "2", "3", "4", "5"];
  draw(
    "mk-csat-distribution-chart",
    {
      type: "bar",
      data: { labels: scores, datasets: [{ label: "ratings", data: scores.map((s) => data.distribution[s]), backgroundColor: PALETTE[2] }] },
      options: { plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
    },
    `Bar chart of CSAT ratings: ${scores.map((s) => `${s}: ${data.distribution[s]}`).join(", ")}.`,
  );
  const labels = data.buckets.map((iso) => bucketLabel(iso, data.bucket));
  draw(
    "mk-csat-average-chart",
    {
      type: "line",
      data: { labels, datasets: [{ label: "average rating", data: data.average_by_bucket, borderColor: PALETTE[0], backgroundColor: PALETTE[0], spanGaps: false }] },
      options: { plugins: { legend: { display: false } }, scales: { y: { min: 1, max: 5 } } },
    },
    `Line chart of the average CSAT rating per ${data.bucket}; overall ${data.average ?? "no ratings"}.`,
  );
  fillTable($("mk-csat-distribution-table"), scores.map((s) => [s, number(data.distribution[s])]));
  fillTable(
    $("mk-csat-average-table"),
    labels.map((label, i) => [label, number(data.count_by_bucket[i]), data.average_by_bucket[i] === null ? "–" : String(data.average_by_bucket[i])]).filter((row) => row[1] !== "0"),
  );
}

// --- period --------------------------------------------------------------------

const isoDay = (date) => date.toISOString().slice(0, 10);

function periodFromInputs() {
  return { from: $("mk-from").value, to: $("mk-to").value };
}

function setDays(days) {
  const today = new Date();
  $("mk-to").value = isoDay(today);
  $("mk-from").value = isoDay(new Date(today.getTime() - (days - 1) * 86400000));
  return periodFromInputs();
}

async function load(period) {
  const query = new URLSearchParams(Object.entries(period).filter(([, value]) => value)).toString();
  const status = $("mk-status");
  status.textContent = "Loading…";
  const parts = [
    ["offers", renderOffers],
    ["segments", renderSegments],
    ["handoffs", renderHandoffs],
    ["csat", renderCsat],
    ["results", renderResults],
  ];
  // Segments and results are the latest state, not a period's counts.
  const timeless = new Set(["segments", "results"]);
  const results = await Promise.allSettled(parts.map(([name]) => api(`${API}/${name}${timeless.has(name) ? "" : `?${query}`}`)));
  const failed = [];
  results.forEach((result, index) => {
    const [name, render] = parts[index];
    if (result.status === "fulfilled") render(result.value);
    else failed.push(`${name}: ${result.reason.message}`);
  });
  status.textContent = failed.length ? `Some charts could not be loaded (${failed.join("; ")}).` : "";
  status.dataset.kind = failed.length ? "error" : "info";
}

// The period form (#mk-period, #mk-from, #mk-to, .mk-presets): shared with the support lead's view.
export function initPeriod(load) {
  $("mk-period").addEventListener("submit", (event) => {
    event.preventDefault();
    load(periodFromInputs());
  });
  for (const button of document.querySelectorAll(".mk-presets button")) {
    button.addEventListener("click", () => {
      if (button.dataset.hours) {
        const now = new Date();
        $("mk-from").value = "";
        $("mk-to").value = "";
        load({ from: new Date(now.getTime() - Number(button.dataset.hours) * 3600000).toISOString(), to: now.toISOString() });
      } else {
        load(setDays(Number(button.dataset.days)));
      }
    });
  }
  load(setDays(7));
}

export function initDashboard() {
  initPeriod(load);
}
