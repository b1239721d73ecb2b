// Agent console context at a glance: the summary, the verified order, the signed-in customer,
// the emotion in words. Everything arrives as words and plain values: nothing here shows JSON.
"use strict";

import { el, clear } from "./api.js";

const $ = (id) => document.getElementById(id);

function facts(box, pairs) {
  clear(box);
  for (const [name, value] of pairs) {
    if (value === undefined || value === null || value === "") continue;
    box.append(el("dt", { text: name }), el("dd", { text: String(value) }));
  }
}

function money(amount, currency) {
  try {
    return new Intl.NumberFormat(undefined, { style: "currency", currency: currency || "USD" }).format(amount);
  } catch {
    return amount.toFixed(2);
  }
}

function renderOrder(order) {
  const box = $("order-panel");
  const items = $("order-items");
  clear(items);
  if (!order) {
    facts(box, [["Order", "none verified in this conversation"]]);
    return;
  }
  facts(box, [
    ["Order", `#${order.order_id}`],
    ["Status", order.status],
    ["Placed", order.placed_on],
    ["Shipping", order.shipping_method],
    ["Carrier", order.carrier],
    ["Tracking", order.tracking_number],
    ["Expected delivery", order.estimated_delivery],
    ["Delivered", order.delivered_on],
    ["Total", money(order.total, order.currency)],
    ["Returns", order.returns],
  ]);
  for (const item of order.items) {
    items.append(el("li", { text: `${item.quantity} × ${item.name} (${money(item.unit_price, order.currency)})${item.final_sale ? " · final sale" : ""}` }));
  }
}

function renderCustomer(customer) {
  const box = $("customer-panel");
  const orders = $("customer-orders");
  clear(orders);
  // A visitor: the profile above already says so; nothing more to show.
  $("customer-orders-title").hidden = !customer;
  if (!customer) {
    clear(box);
    return;
  }
  facts(box, [
    ["Name", customer.name],
    ["E-mail", customer.email],
    ["Country", customer.country],
    ["Customer since", customer.customer_since],
  ]);
  for (const o of customer.recent_orders) {
    orders.append(el("li", { text: `#${o.order_id} · ${o.placed_on} · ${o.status} · ${o.items} item(s) · ${o.total.toFixed(2)}` }));
  }
  if (!customer.recent_orders.length) orders.append(el("li", { class: "muted", text: "no orders yet" }));
}

export function renderContext(view) {
  const summary = $("summary");
  clear(summary);
  for (const line of view.summary.lines) summary.append(el("li", { text: line }));
  const words = $("emotion-words");
  clear(words);
  for (const line of view.emotion_words) words.append(el("p", { text: line }));
  renderOrder(view.order);
  renderCustomer(view.customer);
}

// A slot's value in words: structured bookkeeping (emotion scores) as "name 42%" pairs.
export function readable(value) {
  if (value === null || value === undefined) return "";
  if (Array.isArray(value)) return value.map(readable).join(", ");
  if (typeof value === "object") {
    return Object.entries(value)
      .map(([k, v]) => (typeof v === "number" && v >= 0 && v <= 1 && !Number.isInteger(v)
        ? `${k} ${Math.round(v * 100)}%` : typeof v === "object" && v !== null ? `${k}: ${readable(v)}` : `${k} ${v}`))
      .join(", ");
  }
  return String(value);
}
