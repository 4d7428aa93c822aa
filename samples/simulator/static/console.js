// The simulated console: a detail page, a list page and a dashboard of one Kubernetes cluster, reached through
// the Alauda gateway. watchResource() follows the brief: with DOWNGRADE_WATCH_ENABLED and the page's
// downgradePolling setting on (localStorage or cookie `downgradePolling=true`, read once on load), the "watch"
// becomes a poll of getResource; otherwise it is a get (or list) followed by a real watch from its
// resourceVersion, re-watched from the last version seen whenever the server closes it.
//
// Every action is logged to the browser console as `[sim-console] {json}`: the recorder keeps those lines, and
// the samples' expected files are written from them (never from the analyzer).
'use strict';

const DOWNGRADE_WATCH_ENABLED = true;
const q = new URLSearchParams(location.search);
const P = {
  page: location.pathname.split('/').filter(Boolean).pop() || 'detail',
  cluster: q.get('cluster') || 'calico3',
  gateway: q.has('gateway') ? q.get('gateway') : 'api-gateway',
  // a gateway path of its own for every API request, e.g. `/proxy/clusters/{cluster}/k8s/` (the gateway above
  // and the plain /kubernetes/ prefix are then not used)
  base: q.get('base') || '',
  group: q.has('group') ? q.get('group') : 'asm.alauda.io',
  version: q.get('version') || 'v1beta3',
  namespace: q.has('namespace') ? q.get('namespace') : 'testhl',
  resource: q.get('resource') || 'microservices',
  name: q.get('name') || 'asm-cal3',
  timeout: Number(q.get('timeout') || 59),
  bookmarks: q.get('bookmarks') !== '0',
  interval: Number(q.get('interval') || 5),
  transport: q.get('transport') || 'http',
  limit: Number(q.get('limit') || 0),
  getsAt: Number(q.get('getsAt') || 1500),
};
const NAV = Number(sessionStorage.getItem('sim.nav') ?? '-1') + 1;
sessionStorage.setItem('sim.nav', String(NAV));
const NAV_TYPE = (performance.getEntriesByType('navigation')[0] || {}).type;

function log(ev, data) {
  console.log('[sim-console] ' + JSON.stringify({ ev, nav: NAV, t: Date.now(), ...data }));
}

function setting(name) {
  return localStorage.getItem(name) === 'true' || document.cookie.split('; ').includes(name + '=true');
}

function collectionPath(r) {
  const prefix = r.base ? r.base.replace('{cluster}', r.cluster).replace(/\/+$/, '')
    : r.gateway ? `/${r.gateway}/kubernetes/${r.cluster}` : `/kubernetes/${r.cluster}`;
  const api = r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`;
  return prefix + api + (r.namespace ? `/namespaces/${r.namespace}` : '') + '/' + r.resource;
}

function keyOf(r, name) {
  const base = `${r.cluster}/${r.group || 'core'}/${r.version}/${r.namespace || '-'}/${r.resource}`;
  return name ? `${base}/${name}` : base;
}

function show(id, text) {
  let el = document.getElementById(id);
  if (!el) {
    el = document.createElement('li');
    el.id = id;
    document.getElementById('resources').appendChild(el);
  }
  el.textContent = text;
}

async function request(r, verb, url) {
  log('request', { verb, key: keyOf(r, r.name), url });
  const response = await fetch(url, { headers: { Accept: 'application/json' } });
  const body = await response.json();
  log('response', { verb, key: keyOf(r, r.name), url, status: response.status,
                    resourceVersion: (body.metadata || {}).resourceVersion });
  return body;
}

function getResource(r) {
  return request(r, 'get', collectionPath(r) + '/' + r.name);
}

async function listResource(r) {
  const selector = r.name ? `fieldSelector=metadata.name=${r.name}` : '';
  let items = [], token = '', body;
  do {
    const params = [selector, r.limit ? `limit=${r.limit}` : '', token ? `continue=${encodeURIComponent(token)}` : '']
      .filter(Boolean).join('&');
    body = await request(r, 'list', collectionPath(r) + (params ? '?' + params : ''));
    items = items.concat(body.items || []);
    token = (body.metadata || {}).continue || '';
  } while (token);
  body.items = items;
  return body;
}

function watchUrl(r, version) {
  const params = [r.name ? `fieldSelector=metadata.name=${r.name}` : '', 'watch=true',
                  r.bookmarks ? 'allowWatchBookmarks=true' : '', `timeoutSeconds=${r.timeout}`,
                  `resourceVersion=${version}`].filter(Boolean).join('&');
  const path = collectionPath(r) + '?' + params;
  if (r.transport !== 'ws') return path;
  return (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + path;
}

// One watch request; calls onEvent for each event and resolves with how it ended.
function streamWatch(url, transport, onEvent) {
  return transport === 'ws' ? streamWebSocket(url, onEvent) : streamFetch(url, onEvent);
}

async function streamFetch(url, onEvent) {
  const response = await fetch(url, { headers: { Accept: 'application/json' } });
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return 'closed';
    buffer += decoder.decode(value, { stream: true });
    let newline;
    while ((newline = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, newline).trim();
      buffer = buffer.slice(newline + 1);
      if (line) onEvent(JSON.parse(line));
    }
  }
}

function streamWebSocket(url, onEvent) {
  return new Promise((resolve) => {
    const socket = new WebSocket(url);
    socket.onmessage = (message) => onEvent(JSON.parse(message.data));
    socket.onclose = (close) => resolve('closed:' + close.code);
    socket.onerror = () => resolve('error');
  });
}

// Watch r from `version`, forever: re-watch from the last version seen when the server closes the stream;
// on a 410 ERROR event, read again with `reread` and watch from what it returns.
async function watchFrom(r, version, reread) {
  const key = keyOf(r, r.name);
  for (;;) {
    const url = watchUrl(r, version);
    const counts = {};
    let expired = false;
    log('request', { verb: 'watch', key, url, resourceVersion: version });
    const ended = await streamWatch(url, r.transport, (event) => {
      counts[event.type] = (counts[event.type] || 0) + 1;
      if (event.type === 'ERROR') {
        expired = (event.object || {}).code === 410;
        return;
      }
      version = event.object.metadata.resourceVersion;
      show(key, `${key} rv=${version} (${event.type})`);
    }).catch((error) => 'failed:' + error);
    log('watch-end', { key, url, ended, events: counts, lastVersion: version, expired });
    if (expired) {
      log('relist', { key, after: url });
      version = (await reread()).metadata.resourceVersion;
    } else if (String(ended).startsWith('failed') || ended === 'error') {
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}

// The brief's createPollObservable: read now, then every `interval` seconds.
function poll(read, interval) {
  read();
  setInterval(read, interval * 1000);
}

function _watchResource(r) {
  return getResource(r).then((obj) => {
    show(keyOf(r, r.name), `${keyOf(r, r.name)} rv=${obj.metadata.resourceVersion}`);
    return watchFrom(r, obj.metadata.resourceVersion, () => getResource(r));
  });
}

function _watchResourceList(r) {
  return listResource(r).then((list) => {
    show(keyOf(r), `${keyOf(r)}: ${list.items.length} items, rv=${list.metadata.resourceVersion}`);
    return watchFrom(r, list.metadata.resourceVersion, () => listResource(r));
  });
}

/** Watch one object of a business cluster (the brief's watchResource). */
function watchResource(params) {
  const mode = DOWNGRADE_WATCH_ENABLED && params.downgradePolling ? 'poll' : 'watch';
  log('mode', { key: keyOf(params, params.name), mode, interval_s: mode === 'poll' ? params.interval : null });
  return mode === 'poll'
    ? poll(() => getResource(params).then((obj) => show(keyOf(params, params.name),
                                                        `rv=${obj.metadata.resourceVersion}`)), params.interval)
    : _watchResource(params);
}

/** Watch a collection: list, then watch from the list's resourceVersion (or poll the list). */
function watchResourceList(params) {
  const mode = DOWNGRADE_WATCH_ENABLED && params.downgradePolling ? 'poll' : 'watch';
  log('mode', { key: keyOf(params), mode, interval_s: mode === 'poll' ? params.interval : null });
  return mode === 'poll' ? poll(() => listResource(params), params.interval) : _watchResourceList(params);
}

function readOnce(r) {
  log('mode', { key: keyOf(r, r.name), mode: 'once', interval_s: null });
  return getResource(r);
}

const PAGES = {
  detail() {
    watchResource({ ...P, downgradePolling: setting('downgradePolling') });
    // the microservice's configuration, read once through the plain /kubernetes/ prefix
    readOnce({ ...P, gateway: '', group: '', version: 'v1', resource: 'configmaps', name: `${P.name}-config` });
  },
  list() {
    watchResourceList({ ...P, name: '', downgradePolling: setting('downgradePolling') });
  },
  dashboard() {
    const groups = { microservices: ['asm.alauda.io', 'v1beta3'], deployments: ['apps', 'v1'] };
    for (const resource of ['microservices', 'deployments', 'pods', 'services', 'configmaps', 'endpoints',
                            'events', 'serviceaccounts']) {
      const [group, version] = groups[resource] || ['', 'v1'];
      watchResourceList({ ...P, group, version, resource, name: '', downgradePolling: false });
    }
    // ordinary reads of things no watch covers, issued while the eight watches hold the connections
    setTimeout(() => {
      readOnce({ ...P, group: '', version: 'v1', namespace: '', resource: 'namespaces', name: P.namespace });
      readOnce({ ...P, group: 'apps', version: 'v1', resource: 'replicasets', name: 'asm-cal3-7d9f' });
      readOnce({ ...P, gateway: '', group: '', version: 'v1', resource: 'persistentvolumeclaims',
                 name: 'asm-cal3-data' });
    }, P.getsAt);
  },
  // A sidebar that always lists and watches the collection, beside the detail panel of one object, which
  // watches it (or polls it when the switch is on).
  'detail-sidebar'() {
    watchResourceList({ ...P, name: '', downgradePolling: false });
    watchResource({ ...P, downgradePolling: setting('downgradePolling') });
  },
};

log('load', { trigger: NAV === 0 ? 'initial' : (NAV_TYPE === 'reload' ? 'reload' : 'navigate'), href: location.href,
              page: P.page, downgradePolling: setting('downgradePolling') });
document.getElementById('title').textContent = `${P.page}: ${P.cluster}/${P.namespace}/${P.resource}`;
(PAGES[P.page] || PAGES.detail)();
