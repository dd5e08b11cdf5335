// What the gateway's own pages (the liveness demo, the console) share: the API key from the page's address,
// calls to the REST API with it, and a refused call as one sentence.

/** The key in the address's fragment (`#key=...`, as `make run` prints the links): never sent to a server. */
export function keyFromFragment() {
  return new URLSearchParams(location.hash.slice(1)).get("key");
}

/** A failed call, with the one line the user should read. */
export class ApiError extends Error {
  constructor(message, status) {
    super(message);
    this.status = status;
  }
}

/** The REST API at `base` (default: this gateway's `/api`), called with one API key. */
export class ApiClient {
  constructor(key, base = "/api") {
    this.key = key;
    this.base = base.replace(/\/+$/, "");
  }

  get headers() {
    return this.key ? { Authorization: `Bearer ${this.key}` } : {};
  }

  /** GET a JSON answer; `action` names what failed in the error ("list the groups"). */
  get(path, action) {
    return this.#call("GET", path, undefined, action);
  }

  post(path, body, action) {
    return this.#call("POST", path, body, action);
  }

  /** An image the API serves (`/api/persons/.../images/...`, a liveness portrait) as an object URL: an
   * `<img src>` cannot send the key. `url` is a path of this gateway, as the API's answers give them. */
  async imageUrl(url, action) {
    const response = await this.#fetch("GET", url, undefined, action);
    if (!response.ok) throw await refusal(response, action);
    return URL.createObjectURL(await response.blob());
  }

  async #call(method, path, body, action) {
    const response = await this.#fetch(method, this.base + path, body, action);
    if (!response.ok) throw await refusal(response, action);
    return response.status === 204 ? null : response.json();
  }

  async #fetch(method, url, body, action) {
    const headers = { ...this.headers, ...(body !== undefined && { "Content-Type": "application/json" }) };
    try {
      const json = body === undefined ? undefined : JSON.stringify(body);
      return await fetch(url, { method, headers, body: json });
    } catch {
      throw new ApiError(`Could not ${action}: the gateway could not be reached.`);
    }
  }
}

/** The sentence for a refused call from the API's OperationLog (`{statusCode, type, msg, metadata}`). */
async function refusal(response, action) {
  const log = await response.json().catch(() => ({}));
  const reason = log.msg || response.statusText || "refused";
  return new ApiError(`Could not ${action}: ${reason} (HTTP ${response.status}).`, response.status);
}
