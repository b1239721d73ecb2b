// The support lead's view (esbuild -> web/build/team.js): the team's handoffs, first-reply and
// handle times, re-contacts and CSAT, drawn with the marketer dashboard's chart, table and period
// helpers. Every value from the server is shown with textContent (see api.js).
"use strict";

import { api, clear, duration, el } from "./api.js";
import { PALETTE, bucketLabel, draw, fillTable, initPeriod, number, percent, topList } from "./marketing/dashboard.js";

const API = "/api/agent/team/stats";
const $ = (id) => document.getElementById(id);
const time = (seconds) => (seconds === null || seconds === undefined ? "–" : duration(seconds));
const minutes = (seconds) => (seconds === null ? null : Math.round((seconds / 60) * 10) / 10);
const plural = (count, one, many) => `${number(count)} ${count === 1 ? one : many}`;
const rating = (average, count) => (count ? `${average} (${number(count)})` : "–");

function recontacts(row) {
  return row.closed ? `${number(row.recontacted)} of ${number(row.closed)} (${percent(row.recontact_rate)})` : "–";
}

function renderTeam(team) {
  const list = $("sp-team");
  clear(list);
  const items = [
    ["Handoffs", number(team.handoffs)],
    ["First human reply", team.replied ? `median ${time(team.first_reply_median_s)}, 9 in 10 within ${time(team.first_reply_p90_s)}` : "no replies yet"],
    ["Not replied yet", `${number(team.claimed_not_replied)} claimed, ${number(team.not_claimed)} not claimed`],
    ["Handle time", team.handled ? `median ${time(team.handle_median_s)}, 9 in 10 within ${time(team.handle_p90_s)} (${plural(team.handled, "takeover", "takeovers")})` : "no takeovers ended"],
    ["Re-contacts within 7 days", recontacts(team)],
    ["CSAT after a person", team.csat_person_count ? `${team.csat_person_average} out of 5 (${plural(team.csat_person_count, "rating", "ratings")})` : "no ratings"],
    ["CSAT after the bot", team.csat_bot_count ? `${team.csat_bot_average} out of 5 (${plural(team.csat_bot_count, "rating", "ratings")})` : "no ratings"],
  ];
  for (const [name, value] of items) {
    list.append(el("div", { class: "sp-figure", dataset: { figure: name } }, el("dt", { text: name }), el("dd", { text: value })));
  }
}

function renderCharts(data) {
  const labels = data.buckets.map((iso) => bucketLabel(iso, data.bucket));
  const line = (label, values, index) => ({
    label,
    data: values,
    borderColor: PALETTE[index],
    backgroundColor: PALETTE[index],
    spanGaps: false,
    tension: 0.2,
  });
  const days = data.by_day;
  draw(
    "sp-handoffs-chart",
    {
      type: "bar",
      data: {
        labels,
        datasets: [
          { label: "handoffs requested", data: days.map((d) => d.handoffs), backgroundColor: PALETTE[0] },
          { label: "takeovers ended", data: days.map((d) => d.handled), backgroundColor: PALETTE[1] },
          { label: "closed", data: days.map((d) => d.closed), backgroundColor: PALETTE[2] },
        ],
      },
      options: { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
    },
    `Bar chart per ${data.bucket}: ${number(data.team.handoffs)} handoffs, ${number(data.team.handled)} takeovers ended, ${number(data.team.closed)} closed.`,
  );
  const horizontal = { indexAxis: "y", plugins: { legend: { display: false } }, scales: { x: { beginAtZero: true, ticks: { precision: 0 } } } };
  draw(
    "sp-reasons-chart",
    { type: "bar", data: { labels: data.by_reason.map((r) => r.name), datasets: [{ label: "handoffs", data: data.by_reason.map((r) => r.count), backgroundColor: PALETTE[5] }] }, options: horizontal },
    data.by_reason.length ? `Bar chart of handoffs by reason: ${topList(data.by_reason, (r) => `${r.name}: ${r.count}`)}.` : "No handoffs in this period.",
  );
  draw(
    "sp-priorities-chart",
    { type: "bar", data: { labels: data.by_priority.map((p) => p.name), datasets: [{ label: "handoffs", data: data.by_priority.map((p) => p.count), backgroundColor: PALETTE[3] }] }, options: horizontal },
    `Bar chart of handoffs by priority: ${data.by_priority.map((p) => `${p.name}: ${p.count}`).join(", ")}.`,
  );
  draw(
    "sp-times-chart",
    {
      type: "line",
      data: {
        labels,
        datasets: [
          line("first human reply (median, min)", days.map((d) => minutes(d.first_reply_median_s)), 0),
          { ...line("handle time (median, min)", days.map((d) => minutes(d.handle_median_s)), 1), borderDash: [6, 3] },
        ],
      },
      options: { scales: { y: { beginAtZero: true, title: { display: true, text: "minutes" } } } },
    },
    `Line chart per ${data.bucket} of the median time to first human reply (overall ${time(data.team.first_reply_median_s)}) and the median handle time (overall ${time(data.team.handle_median_s)}).`,
  );
  draw(
    "sp-csat-chart",
    {
      type: "line",
      data: {
        labels,
        datasets: [
          line("after a person", days.map((d) => d.csat_person_average), 2),
          { ...line("after the bot", days.map((d) => d.csat_bot_average), 4), borderDash: [2, 2] },
        ],
      },
      options: { scales: { y: { min: 1, max: 5 } } },
    },
    `Line chart per ${data.bucket} of the average rating after a person (overall ${data.team.csat_person_average ?? "no ratings"}) and after the bot (overall ${data.team.csat_bot_average ?? "no ratings"}).`,
  );
}

function renderTables(data) {
  const labels = data.buckets.map((iso) => bucketLabel(iso, data.bucket));
  fillTable($("sp-reasons-table"), data.by_reason.map((r) => [r.name, number(r.count)]));
  fillTable($("sp-priorities-table"), data.by_priority.filter((p) => p.count).map((p) => [p.name, number(p.count)]));
  const busy = (d) => d.handoffs || d.handled || d.closed || d.csat_person_count || d.csat_bot_count;
  fillTable(
    $("sp-days-table"),
    data.by_day
      .map((d, i) => [d, labels[i]])
      .filter(([d]) => busy(d))
      .map(([d, label]) => [
        label,
        number(d.handoffs),
        time(d.first_reply_median_s),
        number(d.claimed_not_replied + d.not_claimed),
        number(d.handled),
        time(d.handle_median_s),
        number(d.closed),
        recontacts(d),
        rating(d.csat_person_average, d.csat_person_count),
        rating(d.csat_bot_average, d.csat_bot_count),
      ]),
  );
  $("sp-agents-note").textContent = data.agents_shown === "all"
    ? "Every agent who replied first, ended a takeover or was rated in this period."
    : "Your own row: team leads (admins) see every agent's.";
  fillTable(
    $("sp-agents-table"),
    data.by_agent.map((a) => [
      a.agent,
      number(a.replied),
      time(a.first_reply_median_s),
      number(a.handled),
      time(a.handle_median_s),
      number(a.closed),
      recontacts(a),
      rating(a.csat_person_average, a.csat_person_count),
    ]),
  );
}

async function load(period) {
  const query = new URLSearchParams(Object.entries(period).filter(([, value]) => value)).toString();
  const status = $("mk-status");
  status.textContent = "Loading…";
  try {
    const data = await api(`${API}?${query}`);
    renderTeam(data.team);
    renderCharts(data);
    renderTables(data);
    status.textContent = "";
    status.dataset.kind = "info";
  } catch (error) {
    status.textContent = `The figures could not be loaded (${error.message}).`;
    status.dataset.kind = "error";
  }
}

function start() {
  if ($("support-team")) initPeriod(load);
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();
