// The API over the session cookie: same origin only, JSON in and out, every
// refusal turned into an ApiError carrying the RFC 9457 problem.
class ApiError extends Error {
  constructor(status, problem) {
    super((problem && (problem.detail || problem.title)) || ('HTTP ' + status));
    this.status = status;
    this.problem = problem || {};
  }
  // The problem's type, without its urn prefix: 'validation', 'stale', …
  get kind() {
    const type = this.problem.type || '';
    return type.slice(type.lastIndexOf(':') + 1);
  }
}

let onSessionLost = () => {};
// A session whose password expired may only change it (403 password-expired).
let onPasswordExpired = () => {};

async function api(method, path, body, headers) {
  const init = { method, credentials: 'same-origin', headers: { Accept: 'application/json', ...(headers || {}) } };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    // A string is JSON text already (a file as chosen, so the daemon can say
    // on which line it is wrong).
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch (e) {
    throw new ApiError(0, { type: 'urn:policytrack:problem:database-unavailable', detail: String(e) });
  }
  const text = await res.text();
  let data = null;
  if (text) {
    try { data = JSON.parse(text); } catch (e) { data = null; }
  }
  if (!res.ok) {
    const err = new ApiError(res.status, data);
    err.etag = res.headers.get('ETag');
    if (res.status === 401 && path !== '/api/v1/sessions') onSessionLost(err);
    if (res.status === 403 && err.kind === 'password-expired') onPasswordExpired(err);
    throw err;
  }
  return { data, etag: res.headers.get('ETag'), status: res.status };
}

const get = (path) => api('GET', path).then((r) => r.data);

// Builds a query string from an object, leaving out empty values.
function qs(params) {
  const parts = [];
  for (const [k, v] of Object.entries(params || {})) {
    if (v === undefined || v === null || v === '' || v === false) continue;
    parts.push(encodeURIComponent(k) + '=' + encodeURIComponent(v));
  }
  return parts.length ? '?' + parts.join('&') : '';
}
