// The recommendation carousel (custom payload, see actions/recommendations/carousel.py):
//   {"type": "carousel", "items": [{"product_id", "title", "subtitle", "category",
//     "price", "price_text", "reason", "url"?, "buttons": [{"title", "payload"}]}]}
// A horizontally scrolling list of cards. Keyboard users Tab through the card
// buttons (each scrolls into view when focused) or focus the strip and use
// the arrow keys. All card text is set with textContent.
import { el, usableButtons } from "./messages.js";
import { safeHttpUrl } from "./markdown.js";

function text(value) {
  return typeof value === "string" ? value : "";
}

/** Whether a bot message is a carousel this widget can draw. */
export function isCarousel(message) {
  return message.type === "carousel" && Array.isArray(message.items)
    && message.items.some((item) => item && typeof item === "object" && text(item.title));
}

function card(item, position, total, onPick) {
  const node = el("li", "bc-card");
  node.dataset.testid = "carousel-card";
  node.setAttribute("aria-roledescription", "product");
  node.setAttribute("aria-label", `${position} of ${total}: ${item.title}`);

  const title = el("p", "bc-card__title");
  const url = safeHttpUrl(item.url);
  if (url) {
    const link = el("a", "bc-card__link", item.title);
    link.href = url;
    link.target = "_blank";
    link.rel = "noopener noreferrer";
    title.append(link);
  } else {
    title.textContent = item.title;
  }
  node.append(title);
  if (text(item.subtitle)) node.append(el("p", "bc-card__subtitle", item.subtitle));
  if (text(item.price_text)) {
    const price = el("p", "bc-card__price", item.price_text);
    price.dataset.testid = "carousel-price";
    node.append(price);
  }
  const actions = el("div", "bc-card__actions");
  for (const b of usableButtons(item.buttons)) {
    const btn = el("button", "bc-card__button", b.title);
    btn.type = "button";
    btn.dataset.testid = "carousel-button";
    // "Tell me more" alone is ambiguous out of context; say which product.
    btn.setAttribute("aria-label", `${b.title}: ${item.title}`);
    btn.addEventListener("click", () => onPick(b.payload, `${b.title}: ${item.title}`));
    actions.append(btn);
  }
  node.append(actions);
  return node;
}

/**
 * Build the carousel.
 * @param {object} message the bot's carousel payload (checked with isCarousel)
 * @param {(payload: string, shown: string) => void} onPick sends a card button's payload
 */
export function carousel(message, onPick) {
  const items = message.items.filter((item) => item && typeof item === "object" && text(item.title));
  const region = el("div", "bc-carousel");
  region.setAttribute("role", "region");
  region.setAttribute("aria-roledescription", "carousel");
  region.setAttribute("aria-label", "Recommended products");
  region.dataset.testid = "carousel";
  region.dataset.role = "bot";
  // Focusable so arrow keys scroll it; the browser does the scrolling.
  region.tabIndex = 0;
  const list = el("ul", "bc-carousel__track");
  items.forEach((item, i) => list.append(card(item, i + 1, items.length, onPick)));
  region.append(list);
  return region;
}
