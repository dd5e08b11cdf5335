// The web console: the public REST API from a browser, with one API key. A file, not inline, so the page's
// CSP can forbid inline scripts; plain DOM, no framework.
import "/liveness/visage-liveness.js";
import { ApiClient, keyFromFragment } from "/static/api-client.js";

const $ = (selector, root = document) => root.querySelector(selector);
const SVG = "http://www.w3.org/2000/svg";
// Regula's FaceAttribute names (libs/quality/scenarios.py FACE_ATTRIBUTES); all of them are asked for.
const ATTRIBUTES = [
  "Age", "Emotion", "EyeLeft", "EyeRight", "Smile", "Glasses", "HeadCovering", "ForeheadCovering", "Mouth",
  "MedicalMask", "Occlusion", "StrongMakeup", "Headphones",
];
const QUALITY_STATUS = { 0: ["\u2717", "fail"], 1: ["\u2713", "ok"], 2: ["?", "unknown"] };
const SEARCH_LIMIT = 5;
const PAGE_SIZE = 1000; // groups, persons, photos listed at once (Regula's default page size)

let api = new ApiClient(null);
const liveness = $("#liveness-check");

// ---- The key, the tabs and the one error line -------------------------------------------------------------

function useKey(key) {
  api = new ApiClient(key);
  $("#key").value = key;
  const id = key.split("_")[1]; // vsk_<id>_<secret>: the id names the key in `visage keys list`
  $("#key-state").textContent = `Using key ${id || "?"}, sent as Authorization: Bearer.`;
  liveness.setAttribute("api-key", key);
}

function showTab(name) {
  for (const button of document.querySelectorAll("#tabs button")) {
    button.setAttribute("aria-selected", String(button.dataset.tab === name));
  }
  for (const panel of document.querySelectorAll("[data-panel]")) panel.hidden = panel.id !== name;
  if (name === "gallery") attempt(refreshGroups);
}

function showError(message) {
  $("#error").textContent = message;
  $("#error").hidden = !message;
}

/** Runs one user action; a failure becomes the page's one error line (the API's OperationLog message). */
async function attempt(action) {
  showError("");
  try {
    await action();
  } catch (error) {
    showError(error.message);
  }
}

/** Calls `handle(files)` when files are chosen in `input` or dropped on its label. */
function onFiles(input, handle) {
  const zone = input.closest("label");
  input.addEventListener("change", () => input.files.length && attempt(() => handle([...input.files])));
  zone.addEventListener("dragover", (event) => {
    event.preventDefault();
    zone.classList.add("over");
  });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    zone.classList.remove("over");
    const files = [...event.dataTransfer.files].filter((file) => file.type.startsWith("image/"));
    if (files.length) attempt(() => handle(input.multiple ? files : files.slice(0, 1)));
  });
}

// ---- Photos and the faces drawn on them -------------------------------------------------------------------

/** A chosen file as the API wants it (base64, no `data:` prefix) and as the page shows it (a `data:` URL). */
async function readPhoto(file) {
  const dataUrl = await new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result);
    reader.onerror = () => reject(new Error(`Could not read ${file.name}.`));
    reader.readAsDataURL(file);
  });
  return { name: file.name, base64: dataUrl.slice(dataUrl.indexOf(",") + 1), url: dataUrl };
}

/** Shows the photo in `slot`'s `.photo` and resolves with its natural size once it is decoded. */
async function showPhoto(slot, photo) {
  const frame = $(".photo", slot);
  const image = $("img", frame);
  $("svg", frame).replaceChildren();
  image.src = photo.url;
  await image.decode().catch(() => {
    throw new Error(`${photo.name} is not an image this browser can show.`);
  });
  frame.hidden = false;
  return { width: image.naturalWidth, height: image.naturalHeight };
}

function svgElement(name, attributes) {
  const element = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, value);
  return element;
}

/** Each face's box (Regula `roi`: x, y, width, height), its number and its five landmarks over the photo. */
function drawFaces(slot, size, faces) {
  const overlay = $(".photo svg", slot);
  overlay.setAttribute("viewBox", `0 0 ${size.width} ${size.height}`);
  overlay.setAttribute("preserveAspectRatio", "none");
  // Marks keep their size on screen whatever the photo's; landmark dots stay small beside a small face.
  const unit = Math.max(size.width, size.height) / 400;
  const marks = faces.flatMap((face, index) => {
    const [x, y, width, height] = face.roi;
    const box = svgElement("rect", { class: "box", x, y, width, height });
    const label = svgElement("text", { class: "label", x, y: y - 3 * unit, "font-size": 14 * unit });
    label.textContent = String(index + 1);
    const r = Math.min(2.5 * unit, width / 30);
    const points = face.landmarks.map(([cx, cy]) => svgElement("circle", { class: "landmark", cx, cy, r }));
    return [box, label, ...points];
  });
  overlay.replaceChildren(...marks);
}

function element(name, text, className) {
  const made = document.createElement(name);
  if (text !== undefined) made.textContent = text;
  if (className) made.className = className;
  return made;
}

function table(rows, header) {
  const made = element("table");
  if (header) made.append(row(header, "th"));
  for (const cells of rows) made.append(row(cells, "td"));
  return made;
}

function row(cells, tag) {
  const made = element("tr");
  for (const cell of cells) made.append(cell instanceof Node ? cell : element(tag, String(cell)));
  return made;
}

const percent = (fraction) => `${(fraction * 100).toFixed(1)} %`;

// ---- Compare: two photos, their faces and attributes, the similarity --------------------------------------

const compared = [null, null];

for (const slot of document.querySelectorAll("#compare .slot")) {
  const index = Number(slot.dataset.slot);
  onFiles($("input", slot), async ([file]) => {
    const photo = await readPhoto(file);
    compared[index] = null;
    $("#similarity").hidden = true;
    $(".faces", slot).replaceChildren();
    const size = await showPhoto(slot, photo);
    const config = ATTRIBUTES.map((name) => ({ name }));
    const body = { image: photo.base64, processParam: { onlyCentralFace: false, attributes: { config } } };
    const { results } = await api.post("/detect", body, `detect the faces of ${photo.name}`);
    drawFaces(slot, size, results.detections);
    $(".faces", slot).replaceChildren(...describeFaces(results.detections));
    compared[index] = photo;
    if (compared.every(Boolean)) await compare();
  });
}

function describeFaces(faces) {
  if (!faces.length) return [element("p", "No face found.", "muted")];
  return faces.map((face, index) => {
    const details = face.attributes?.details ?? []; // none when the detection service runs without them
    const measured = details.filter((item) => item.value !== "undetermined");
    const unmeasured = details.filter((item) => item.value === "undetermined").map((item) => item.name);
    const block = element("div", undefined, "face");
    block.append(
      element("h3", `Face ${index + 1}`),
      table(measured.map((item) => [item.name, attributeValue(item)])),
    );
    if (unmeasured.length) block.append(element("p", `Not measured: ${unmeasured.join(", ")}.`, "muted"));
    return block;
  });
}

function attributeValue({ name, value, confidence }) {
  if (name === "Age") return `${value[0]}\u2013${value[1]} years`;
  return confidence === undefined ? value : `${value} (${percent(confidence)})`;
}

async function compare() {
  const images = compared.map((photo, index) => ({ index, data: photo.base64 }));
  const answer = await api.post("/match", { images }, "compare the two photos");
  const line = $("#similarity");
  const [pair] = answer.results;
  if (pair) {
    line.textContent = `Similarity of the central faces: ${percent(pair.similarity)}`;
    line.dataset.similarity = String(pair.similarity);
  } else {
    const faceless = answer.detections.filter((image) => image.status !== 0);
    const numbers = faceless.map((image) => image.imageIndex + 1);
    line.textContent = `Nothing to compare: no face in photo ${numbers.join(" and ")}.`;
    delete line.dataset.similarity;
  }
  line.hidden = false;
}

// ---- Detect with quality: a standard's checks on every face -----------------------------------------------

let qualityPhoto = null;

onFiles($("#quality-photo"), async ([file]) => {
  qualityPhoto = await readPhoto(file);
  await checkQuality();
});
$("#standard").addEventListener("change", () => qualityPhoto && attempt(checkQuality));

async function checkQuality() {
  const slot = $("#quality .slot");
  $("#quality-faces").replaceChildren();
  const size = await showPhoto(slot, qualityPhoto);
  const scenario = $("#standard").value;
  const image = qualityPhoto.base64;
  const action = `check the quality of ${qualityPhoto.name}`;
  let faces = (await api.post("/detect", { image, processParam: { scenario } }, action)).results.detections;
  if (faces.length) {
    // A scenario checks the central face only; its characteristics and ranges, asked for explicitly, check
    // every face of the photo by the same standard.
    const config = faces[0].quality?.details.map(({ name, range }) => ({ name, range })) ?? [];
    const processParam = { onlyCentralFace: false, quality: { config } };
    faces = (await api.post("/detect", { image, processParam }, action)).results.detections;
  }
  drawFaces(slot, size, faces);
  $("#quality-faces").replaceChildren(...(faces.length ? faces.map(describeQuality) : describeFaces([])));
}

function describeQuality(face, index) {
  const { details = [], score = 0 } = face.quality ?? {};
  const count = (status) => details.filter((detail) => detail.status === status).length;
  const block = element("details", undefined, "face");
  block.open = index === 0;
  const counts = `${count(1)} pass, ${count(0)} fail, ${count(2)} not measured`;
  block.append(element("summary", `Face ${index + 1}: score ${percent(score)} (${counts})`));
  const rows = details.map((detail) => {
    const [mark, kind] = QUALITY_STATUS[detail.status];
    const value = detail.status === 2 ? "not measured" : Number(detail.value.toFixed(3));
    const range = `${detail.range[0]} \u2026 ${detail.range[1]}`;
    return [element("td", mark, `status ${kind}`), detail.name, value, range];
  });
  block.append(table(rows, ["", "Check", "Value", "Compliant range"]));
  return block;
}

// ---- Groups and persons: create, enrol photos, search by photo --------------------------------------------

const groupSelect = $("#group");
const personSelect = $("#person");

function fill(select, items, selectedId) {
  const keep = selectedId || select.value;
  select.replaceChildren(...items.map((item) => new Option(item.name, item.id)));
  if (items.some((item) => item.id === keep)) select.value = keep;
}

async function refreshGroups(selectedId) {
  const page = await api.get(`/groups?page=1&size=${PAGE_SIZE}`, "list the groups");
  fill(groupSelect, page.items, selectedId);
  await refreshPersons();
}

async function refreshPersons(selectedId) {
  const path = `/groups/${groupSelect.value}/persons?page=1&size=${PAGE_SIZE}`;
  const persons = groupSelect.value ? (await api.get(path, "list the group's persons")).items : [];
  fill(personSelect, persons, selectedId);
  await showEnrolled();
}

async function showEnrolled() {
  const line = $("#enrolled");
  if (!personSelect.value) return (line.textContent = "");
  const path = `/persons/${personSelect.value}/images?page=1&size=${PAGE_SIZE}`;
  const page = await api.get(path, "list the person's photos");
  const name = personSelect.selectedOptions[0].textContent;
  line.textContent = `${name} has ${page.items.length} enrolled photo${page.items.length === 1 ? "" : "s"}.`;
}

$("#group-form").addEventListener("submit", (event) => {
  event.preventDefault();
  attempt(async () => {
    const group = await api.post("/groups", { name: $("#group-name").value.trim() }, "create the group");
    $("#group-name").value = "";
    await refreshGroups(group.id);
  });
});
groupSelect.addEventListener("change", () => attempt(() => refreshPersons()));
personSelect.addEventListener("change", () => attempt(showEnrolled));

$("#person-form").addEventListener("submit", (event) => {
  event.preventDefault();
  attempt(async () => {
    if (!groupSelect.value) throw new Error("Create or choose a group first.");
    const body = { name: $("#person-name").value.trim(), groups: [groupSelect.value] };
    const person = await api.post("/persons", body, "create the person");
    $("#person-name").value = "";
    await refreshPersons(person.id);
  });
});

onFiles($("#enrol-photos"), async (files) => {
  if (!personSelect.value) throw new Error("Create or choose a person first.");
  const personId = personSelect.value;
  for (const file of files) {
    const photo = await readPhoto(file);
    const body = { image: { content: photo.base64 } };
    await api.post(`/persons/${personId}/images`, body, `enrol ${photo.name}`);
  }
  await showEnrolled();
});

onFiles($("#search-photo"), async ([file]) => {
  if (!groupSelect.value) throw new Error("Create or choose a group first.");
  const photo = await readPhoto(file);
  const hits = $("#hits");
  hits.replaceChildren();
  const body = { image: { content: photo.base64 }, groupIds: [groupSelect.value], limit: SEARCH_LIMIT };
  const answer = await api.post("/search?withImages=true", body, `search with ${photo.name}`);
  const nobody = [element("li", "Nobody in this group matches.", "muted")];
  hits.replaceChildren(...(answer.persons.length ? answer.persons.map(describeHit) : nobody));
});

function describeHit(person) {
  const [best] = person.images; // most similar first
  const item = element("li", undefined, "hit");
  const thumbnail = element("img");
  thumbnail.alt = `Enrolled photo of ${person.name}`;
  thumbnail.src = `data:${best.contentType};base64,${best.content}`;
  const similarity = element("span", `similarity ${percent(best.similarity)}`);
  item.append(thumbnail, element("strong", person.name), similarity);
  return item;
}

// ---- Liveness: the <visage-liveness> element with this key ------------------------------------------------

liveness.addEventListener("visage-start", () => {
  $("#liveness-result").textContent = "Check in progress\u2026";
  $("#liveness-portrait").hidden = true;
});
liveness.addEventListener("visage-error", (event) => showError(event.detail.message));
liveness.addEventListener("visage-result", (event) => {
  const { transactionId, status, failedChecks } = event.detail;
  const why = failedChecks?.length ? ` (failed: ${failedChecks.join(", ")})` : "";
  const verdict = status === 0 ? "Liveness confirmed" : `Liveness not confirmed${why}`;
  $("#liveness-result").textContent = `${verdict}. Transaction ${transactionId}.`;
  attempt(async () => {
    const query = `?transactionId=${encodeURIComponent(transactionId)}`;
    const stored = await api.get(`/v2/liveness${query}`, "read the liveness transaction");
    if (!stored.portrait) return;
    const portrait = $("#liveness-portrait");
    portrait.src = await api.imageUrl(stored.portrait, "read the liveness portrait");
    portrait.hidden = false;
  });
});

// ---- Start ------------------------------------------------------------------------------------------------

for (const button of document.querySelectorAll("#tabs button")) {
  button.addEventListener("click", () => showTab(button.dataset.tab));
}
$("#key-form").addEventListener("submit", (event) => {
  event.preventDefault();
  useKey($("#key").value.trim());
  if (!$("#gallery").hidden) attempt(refreshGroups);
});
// #key=...: the link `make run` prints carries the key in the fragment, which never reaches a server log.
const key = keyFromFragment();
if (key) useKey(key);
