// The demo page's script (a file, not inline, so the page's CSP can forbid inline scripts).
import "./visage-liveness.js";
import { ApiClient, keyFromFragment } from "/static/api-client.js";

const element = document.getElementById("liveness");
const events = document.getElementById("events");
const transaction = document.getElementById("transaction");
const portrait = document.getElementById("portrait");

// ?type=active|passive|blink and ?tag=... override the element's attributes.
const params = new URLSearchParams(location.search);
for (const name of ["type", "tag"]) {
  if (params.get(name)) element.setAttribute(name, params.get(name));
}
// #key=...: the API key (capture + read: `make run` prints the link). In the fragment, so it never reaches a
// server log; a real page gets a capture-only key and reads results from its own backend.
const key = keyFromFragment();
if (key) element.setAttribute("api-key", key);
const api = new ApiClient(key, element.getAttribute("api") || "/api");

function log(name, detail) {
  events.querySelector(".empty")?.remove();
  const item = document.createElement("li");
  const time = new Date().toLocaleTimeString();
  item.innerHTML = "<strong></strong> <time></time><pre></pre>";
  item.querySelector("strong").textContent = name;
  item.querySelector("time").textContent = time;
  item.querySelector("pre").textContent = JSON.stringify(detail, null, 2);
  item.dataset.event = name;
  events.append(item);
}

async function showTransaction(transactionId) {
  transaction.dataset.state = "loading";
  transaction.textContent = "Loading\u2026";
  try {
    const query = `?transactionId=${encodeURIComponent(transactionId)}`;
    const body = await api.get(`/v2/liveness${query}`, "fetch the transaction");
    transaction.textContent = JSON.stringify(body, null, 2);
    transaction.dataset.state = "loaded";
    if (body.portrait) await showPortrait(body.portrait);
  } catch (error) {
    transaction.textContent = error.message;
    transaction.dataset.state = "failed";
  }
}

async function showPortrait(url) {
  try {
    portrait.src = await api.imageUrl(url, "read the portrait");
    portrait.hidden = false;
  } catch {
    // The transaction is shown either way; a portrait that cannot be read is left out.
  }
}

element.addEventListener("visage-start", (event) => {
  log("visage-start", event.detail);
  portrait.hidden = true;
  transaction.dataset.state = "none";
  transaction.textContent = "Waiting for the result\u2026";
});
element.addEventListener("visage-result", (event) => {
  log("visage-result", event.detail);
  showTransaction(event.detail.transactionId);
});
element.addEventListener("visage-error", (event) => log("visage-error", event.detail));
