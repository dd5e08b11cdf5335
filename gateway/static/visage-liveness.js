/**
 * <visage-liveness>: a framework-free liveness check for the Visage REST gateway.
 *
 *   <script type="module" src="/liveness/visage-liveness.js"></script>
 *   <visage-liveness api="/api" type="passive" tag="session-42" record-video></visage-liveness>
 *
 * Opens the front camera, guides the user (passive: look at the camera; blink: look, then blink once; active: the
 * server's head turns),
 * captures still frames, signs them with the transaction key (libs/liveness/PROTOCOL.md,
 * "visage-liveness-v1") and submits them, with a WebM recording of the capture when `record-video` is set.
 * Events (bubbling, composed): visage-start {transactionId, tag, type, challenge},
 * visage-result {transactionId, status, code, tag, failedChecks}, visage-error {message, httpStatus?}.
 * Needs a secure context (https, or http on localhost / 127.0.0.1): both the camera and Web Crypto do.
 */

const PASSIVE = 1; // Regula LivenessType
const ACTIVE = 0;
const PASSIVE_WITH_BLINK = 2;
const REQUEST_TIMEOUT_MS = 30000;
const CAMERA_TIMEOUT_MS = 10000; // from an opened camera to its first frame
const JPEG_QUALITY = 0.9; // the protocol asks for >= 0.85
// Checks that failed because the frames could not be judged (PROTOCOL.md §4, code 231): what to change.
const RETRY_ADVICE = {
  faceSize: "Move closer to the camera.",
  faceInFrame: "Keep your whole face inside the picture.",
  sharpness: "Hold still, in good light.",
  frames: "Keep your face in view of the camera.",
  blink: "Blink once when asked.",
};
// Passive: a short burst; one good frame is enough for the server, but blur and blinks happen.
const PASSIVE_FRAMES = 5;
const FRAME_INTERVAL_MS = 250;
// Blink: frames of open eyes, then a burst after "blink" long enough for the user to react (~0.3-0.7 s) and
// blink, its frames close enough not to step over a blink: in the one blink measured the frames with both eyes
// shut span 130 ms (bench/liveness_blink.py). 17 frames 80 ms apart plus each grab's own 10-60 ms: 1.5-2.4 s.
const BLINK_OPEN_FRAMES = 3;
const BLINK_FRAMES = 20;
const BLINK_INTERVAL_MS = 80;
// Active, per challenge step: time to react to an instruction, frames while turned, frames back at the front.
const REACT_MS = 900;
const TURNED_FRAMES = 4;
const FRONTAL_FRAMES = 2;

// The user's own left/right; the preview is mirrored, so the arrow points the way the face on screen turns.
const STEPS = {
  left: { text: "Turn your head to your left", arrow: "\u2190" },
  right: { text: "Turn your head to your right", arrow: "\u2192" },
};

const CSS = `
:host { display: inline-block; max-width: 100%; color: #1d2430; font: 15px/1.45 system-ui, sans-serif;
  --visage-accent: #2563eb; }
.card { width: 480px; max-width: 100%; background: #fff; border-radius: 14px; overflow: hidden;
  box-shadow: 0 1px 3px rgba(15, 23, 42, .12), 0 8px 24px rgba(15, 23, 42, .08); }
.stage { position: relative; aspect-ratio: 4 / 3; background: #0f172a; }
video, canvas { width: 100%; height: 100%; object-fit: cover; transform: scaleX(-1); display: block; }
canvas { position: absolute; inset: 0; filter: brightness(.55); }
.guide { position: absolute; inset: 10% 28%; border: 3px dashed rgba(255, 255, 255, .75); border-radius: 50%;
  pointer-events: none; }
.arrow { position: absolute; top: 38%; font-size: 64px; color: #fff; text-shadow: 0 2px 8px #000; }
.arrow.left { left: 6%; } .arrow.right { right: 6%; }
.instruction { position: absolute; left: 0; right: 0; bottom: 0; margin: 0; padding: 10px 16px;
  background: rgba(15, 23, 42, .72); color: #fff; font-size: 1.1em; text-align: center; }
.placeholder { position: absolute; inset: 0; display: grid; place-items: center; color: #94a3b8; }
.outcome { position: absolute; top: 50%; left: 50%; transform: translate(-50%, -50%); margin: 0;
  padding: 10px 22px; border-radius: 999px; color: #fff; font-size: 1.4em; font-weight: 600;
  white-space: nowrap; }
.outcome.ok { background: rgba(21, 128, 61, .92); }
.outcome.fail { background: rgba(180, 83, 9, .92); }
.footer { display: flex; align-items: center; gap: 12px; padding: 12px 16px; }
.status { flex: 1; margin: 0; }
.status[data-kind="ok"] { color: #15803d; font-weight: 600; }
.status[data-kind="fail"] { color: #b45309; font-weight: 600; }
.status[data-kind="error"] { color: #b91c1c; }
button { font: inherit; padding: 8px 16px; border: 0; border-radius: 8px; background: var(--visage-accent);
  color: #fff; cursor: pointer; }
button:disabled { opacity: .5; cursor: default; }
progress { width: 100%; height: 4px; display: block; appearance: none; border: 0; background: #e2e8f0; }
progress::-webkit-progress-bar { background: #e2e8f0; }
progress::-webkit-progress-value { background: var(--visage-accent); }
[hidden] { display: none !important; }
`;

const HTML = `
<div class="card" part="card">
  <div class="stage">
    <video muted playsinline></video>
    <canvas hidden></canvas>
    <div class="placeholder">Camera preview</div>
    <div class="guide" hidden></div>
    <div class="arrow" hidden></div>
    <p class="instruction" aria-live="assertive" hidden></p>
    <p class="outcome" hidden></p>
  </div>
  <progress max="1" value="0" hidden></progress>
  <div class="footer">
    <p class="status" role="status">Ready for a liveness check.</p>
    <button type="button" part="button">Start</button>
  </div>
</div>`;

/** A failure with the sentence the user should read. */
class LivenessError extends Error {
  constructor(message, httpStatus) {
    super(message);
    this.httpStatus = httpStatus;
  }
}

class VisageLiveness extends HTMLElement {
  #ui;
  #stream = null;
  #running = false;
  #hasStill = false;
  /** Free-form object sent as the transaction's metadata; the host page may set it before start(). */
  metadata = {};

  constructor() {
    super();
    const root = this.attachShadow({ mode: "open" });
    // A constructed stylesheet, not a <style> element, so pages with a strict style-src CSP still style us.
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(CSS);
    root.adoptedStyleSheets = [sheet];
    root.innerHTML = HTML;
    const q = (selector) => root.querySelector(selector);
    this.#ui = {
      video: q("video"), still: q("canvas"), placeholder: q(".placeholder"), guide: q(".guide"),
      arrow: q(".arrow"), instruction: q(".instruction"), progress: q("progress"), status: q(".status"),
      button: q("button"), outcome: q(".outcome"),
    };
    this.#ui.button.addEventListener("click", () => this.start());
  }

  disconnectedCallback() {
    this.#stopCamera();
  }

  get api() {
    return (this.getAttribute("api") || "/api").replace(/\/+$/, "");
  }

  get livenessType() {
    const type = this.getAttribute("type");
    return type === "active" ? ACTIVE : type === "blink" ? PASSIVE_WITH_BLINK : PASSIVE;
  }

  /** Runs one whole check; resolves when it is over (the outcome is in the events and on screen). */
  async start() {
    if (this.#running) return;
    this.#running = true;
    this.#ui.button.disabled = true;
    this.#ui.outcome.hidden = true;
    let transactionId;
    try {
      if (!window.isSecureContext || !crypto.subtle || !navigator.mediaDevices) {
        throw new LivenessError("This page cannot use the camera: open it over HTTPS (or on localhost).");
      }
      this.#say("Opening the camera\u2026");
      await this.#openCamera();
      this.#say("Starting the check\u2026");
      // The start needs an API key with the capture scope (publishable: it can only start transactions);
      // the submission is authorised by its signature alone.
      const key = this.getAttribute("api-key");
      const started = await this.#post("/v2/liveness/start", {
        type: this.livenessType, tag: this.getAttribute("tag") || undefined, metadata: this.#metadata(),
      }, key ? { Authorization: `Bearer ${key}` } : {});
      transactionId = started.transactionId;
      this.#emit("visage-start", {
        transactionId, tag: started.tag, type: started.type, challenge: started.challenge || [],
      });
      const recording = this.#record(started.maxVideoBytes);
      const frames = await this.#capture(started);
      const video = await recording?.stop();
      this.#say("Checking\u2026");
      const result = await this.#submit(started, frames, video);
      this.#showResult(result);
      this.#emit("visage-result", {
        transactionId: result.transactionId, tag: result.tag, status: result.status, code: result.code,
        failedChecks: result.failedChecks || [],
      });
    } catch (error) {
      const message = error instanceof LivenessError ? error.message : `Unexpected error: ${error.message}`;
      this.#say(message, "error");
      this.#emit("visage-error", { message, transactionId, httpStatus: error.httpStatus });
    } finally {
      this.#stopCamera();
      this.#instruct(null);
      this.#ui.progress.hidden = true;
      this.#ui.button.textContent = "Try again";
      this.#ui.button.disabled = false;
      this.#running = false;
    }
  }

  async #openCamera() {
    try {
      this.#stream = await navigator.mediaDevices.getUserMedia({
        audio: false,
        video: { facingMode: "user", width: { ideal: 640 }, height: { ideal: 480 } },
      });
    } catch (error) {
      throw new LivenessError(cameraMessage(error));
    }
    const video = this.#ui.video;
    video.srcObject = this.#stream;
    await video.play();
    // play() can resolve before the first frame has a size; a 0x0 capture would be an empty JPEG.
    const deadline = Date.now() + CAMERA_TIMEOUT_MS;
    while (!video.videoWidth) {
      if (Date.now() > deadline) throw new LivenessError("The camera shows no picture. Check it and retry.");
      await sleep(50);
    }
    this.#ui.placeholder.hidden = true;
    this.#ui.still.hidden = true;
    this.#ui.guide.hidden = false;
  }

  #stopCamera() {
    this.#stream?.getTracks().forEach((track) => track.stop());
    this.#stream = null;
    this.#ui.video.srcObject = null;
    // The last captured frame stays on screen, dimmed, under the outcome; before a capture, the placeholder.
    this.#ui.still.hidden = !this.#hasStill;
    this.#ui.placeholder.hidden = !this.#ui.still.hidden;
    this.#ui.guide.hidden = true;
  }

  /** Frames in capture order: passive, a short burst; active, front, each turn, front (PROTOCOL.md §2). */
  async #capture(started) {
    const challenge = started.challenge || [];
    const blink = started.type === PASSIVE_WITH_BLINK;
    const total = challenge.length
      ? FRONTAL_FRAMES + challenge.length * (TURNED_FRAMES + FRONTAL_FRAMES)
      : blink ? BLINK_FRAMES : PASSIVE_FRAMES;
    const wanted = Math.max(started.minFrames || 1, Math.min(total, started.maxFrames || total));
    const frames = [];
    const progress = this.#ui.progress;
    progress.max = wanted;
    progress.value = 0;
    progress.hidden = false;
    const grab = async (count, interval = FRAME_INTERVAL_MS) => {
      for (let i = 0; i < count && frames.length < wanted; i++) {
        frames.push(await this.#grabFrame(started.maxFrameBytes));
        progress.value = frames.length;
        await sleep(interval);
      }
    };
    this.#say("Hold still\u2026");
    this.#instruct("Look straight at the camera");
    await sleep(REACT_MS);
    await grab(challenge.length ? FRONTAL_FRAMES : blink ? BLINK_OPEN_FRAMES : wanted);
    if (blink) {
      // The server wants the eyes open, then shut, then open again (PROTOCOL.md §4, check "blink").
      this.#instruct("Now blink once");
      await grab(wanted, BLINK_INTERVAL_MS);
    }
    for (const [index, step] of challenge.entries()) {
      this.#say(`Step ${index + 1} of ${challenge.length}`);
      this.#instruct(STEPS[step]?.text || `Turn your head: ${step}`, step);
      await sleep(REACT_MS);
      await grab(TURNED_FRAMES);
      this.#instruct("Now look straight at the camera");
      await sleep(REACT_MS);
      await grab(FRONTAL_FRAMES);
    }
    return frames;
  }

  /** One unmirrored frame of the camera as JPEG bytes (the server reads head turns from it). */
  async #grabFrame(maxBytes) {
    const video = this.#ui.video;
    const canvas = this.#ui.still;
    canvas.width = video.videoWidth;
    canvas.height = video.videoHeight;
    canvas.getContext("2d").drawImage(video, 0, 0);
    this.#hasStill = true;
    const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", JPEG_QUALITY));
    if (!blob || (maxBytes && blob.size > maxBytes)) {
      throw new LivenessError("Could not capture a camera frame.");
    }
    return new Uint8Array(await blob.arrayBuffer());
  }

  /** A WebM recording of the capture, or null when not asked for or not supported; stop() gives the bytes. */
  #record(maxBytes) {
    const mimeType = "video/webm";
    if (!this.hasAttribute("record-video") || !window.MediaRecorder?.isTypeSupported(mimeType)) return null;
    const recorder = new MediaRecorder(this.#stream, { mimeType, videoBitsPerSecond: 600000 });
    const chunks = [];
    recorder.ondataavailable = (event) => chunks.push(event.data);
    recorder.start();
    return {
      stop: () => new Promise((resolve) => {
        recorder.onstop = async () => {
          const blob = new Blob(chunks, { type: mimeType });
          // The video is optional evidence: one too large for the server is left out, not an error.
          const fits = blob.size && (!maxBytes || blob.size <= maxBytes);
          resolve(fits ? new Uint8Array(await blob.arrayBuffer()) : null);
        };
        recorder.onerror = () => resolve(null);
        recorder.stop();
      }),
    };
  }

  async #submit(started, frames, video) {
    const nonce = base64url(crypto.getRandomValues(new Uint8Array(24)));
    const hashes = await Promise.all(frames.map(sha256hex));
    // The canonical string of PROTOCOL.md §3; without a video its hash line is empty.
    const videoHash = video ? await sha256hex(video) : "";
    const { transactionId } = started;
    const canonical = ["visage-liveness-v1", transactionId, nonce, `${frames.length}`, ...hashes, videoHash];
    const message = new TextEncoder().encode(canonical.join("\n"));
    const key = await crypto.subtle.importKey(
      "raw", hexBytes(started.key), { name: "HMAC", hash: "SHA-256" }, false, ["sign"],
    );
    const signature = hex(await crypto.subtle.sign("HMAC", key, message));
    return this.#post("/v2/liveness/submit", {
      transactionId, nonce, frames: frames.map(base64), signature,
      ...(video && { video: base64(video) }),
    });
  }

  async #post(path, body, headers = {}) {
    let response;
    try {
      response = await fetch(this.api + path, {
        method: "POST",
        headers: { "Content-Type": "application/json", ...headers },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (error) {
      const what = error.name === "TimeoutError" ? "did not answer in time" : "could not be reached";
      throw new LivenessError(`The liveness service ${what}. Check your connection and try again.`);
    }
    const answer = await response.json().catch(() => ({}));
    if (!response.ok) throw new LivenessError(refusalMessage(response.status, answer), response.status);
    return answer;
  }

  #showResult(result) {
    const confirmed = result.status === 0;
    const { outcome } = this.#ui;
    outcome.textContent = confirmed ? "\u2713 Confirmed" : "\u2717 Not confirmed";
    outcome.className = `outcome ${confirmed ? "ok" : "fail"}`;
    outcome.hidden = false;
    if (confirmed) {
      this.#say("Liveness confirmed.", "ok");
    } else {
      const checks = result.failedChecks || [];
      const advice = checks.map((check) => RETRY_ADVICE[check]).filter(Boolean);
      const why = checks.length ? ` (failed: ${checks.join(", ")})` : "";
      this.#say(advice.length ? `${advice[0]} Then try again.` : `Liveness not confirmed${why}.`, "fail");
    }
  }

  #say(text, kind = "info") {
    this.#ui.status.textContent = text;
    this.#ui.status.dataset.kind = kind;
  }

  #instruct(text, step) {
    const { instruction, arrow } = this.#ui;
    instruction.hidden = !text;
    instruction.textContent = text || "";
    arrow.hidden = !STEPS[step];
    arrow.className = `arrow ${step || ""}`;
    arrow.textContent = STEPS[step]?.arrow || "";
  }

  #metadata() {
    return { client: "visage-liveness/1", userAgent: navigator.userAgent, language: navigator.language,
      ...this.metadata };
  }

  #emit(name, detail) {
    this.dispatchEvent(new CustomEvent(name, { detail, bubbles: true, composed: true }));
  }
}

function cameraMessage(error) {
  switch (error.name) {
    case "NotAllowedError":
    case "SecurityError":
      return "Camera access was denied. Allow the camera for this site and try again.";
    case "NotFoundError":
    case "OverconstrainedError":
      return "No camera was found on this device.";
    case "NotReadableError":
    case "AbortError":
      return "The camera could not be started; another application may be using it.";
    default:
      return `The camera could not be opened (${error.name}).`;
  }
}

/** The sentence for a refused call; the server's OperationLog `msg` says the rest. */
function refusalMessage(status, answer) {
  const detail = answer && answer.msg ? `: ${answer.msg}` : "";
  if (status === 410) return "The check took too long and expired. Please try again.";
  if (status === 409) return "This check was already submitted. Please start a new one.";
  if (status === 403) return "The check was rejected (signature mismatch). Please try again.";
  if (status === 413) return "The captured images are too large to send.";
  if (status === 503 || status === 504) return "The liveness service is not available right now. Try later.";
  return `The liveness service refused the check (HTTP ${status})${detail}.`;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const hex = (buffer) => Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, "0")).join("");
const hexBytes = (text) => Uint8Array.from(text.match(/../g), (pair) => parseInt(pair, 16));
const sha256hex = async (bytes) => hex(await crypto.subtle.digest("SHA-256", bytes));

function base64(bytes) {
  // In chunks: String.fromCharCode(...bytes) overflows the call stack on a whole JPEG.
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

const base64url = (bytes) => base64(bytes).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");

if (!customElements.get("visage-liveness")) customElements.define("visage-liveness", VisageLiveness);

export { VisageLiveness };
