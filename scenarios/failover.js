// Geo-distributed failover traffic for k6, the script of
// `slocheck run --engine k6` (slocheck's default-failover scenario, in k6).
//
// One k6 scenario per client region, each an open model (constant-arrival-
// rate): a shopping journey (browse, product, cart, checkout) starts at a
// fixed rate whatever the platform does, so a stalled region shows up as
// latency and failures, and a generator that cannot keep up as
// dropped_iterations. Every request carries its client region and journey
// step as tags; every acknowledged order is recorded for the RPO read-back.
//
// Under slocheck, the environment says where to send traffic and how much
// (SLOCHECK_EDGES, SLOCHECK_RATE, SLOCHECK_DURATION, SLOCHECK_WEIGHTS,
// SLOCHECK_TIMEOUT) and slocheck injects the scenario's faults itself. Run
// alone against `slocheck platform serve --describe platform.json`, set the
// same variables by hand; FAULT_REGION (with FAULT_MODE, FAULT_AT, FAULT_FOR)
// makes the script inject and heal a fault itself:
//
//   bin/k6 run --out slocheck=reports/k6 \
//     -e SLOCHECK_EDGES="$(jq -c .edges platform.json)" -e SLOCHECK_ADMIN="$(jq -r .admin platform.json)" \
//     -e FAULT_REGION=eastus scenarios/failover.js
//
// The thresholds make the same run judge itself under plain k6 (any output):
// p99 of successful requests under 150 ms, and at most 5 % failed requests
// over the whole run (a regional outage costs some; slocheck judges that cost
// by RTO, RPO and error budget instead). Under `slocheck run` (which sets
// SLOCHECK_HEADER) the script declares none: slocheck's own objectives judge
// the same things with their confidence intervals, fault windows and
// generator health, and a script threshold would decide the run beside them.
import http from 'k6/http';
import { check, sleep } from 'k6';
import slocheck from 'k6/x/slocheck';

const STEPS = ['browse', 'product', 'cart', 'checkout'];
const PRODUCTS = 20; // the shop's catalog: p-001 … p-020

const edges = JSON.parse(__ENV.SLOCHECK_EDGES || '{"us": "http://127.0.0.1:8081", "eu": "http://127.0.0.1:8082"}');
const weights = JSON.parse(__ENV.SLOCHECK_WEIGHTS || '{}');
const rate = Number(__ENV.SLOCHECK_RATE || 1500); // requests per second, every client region together
const duration = __ENV.SLOCHECK_DURATION || '60s';
const timeout = __ENV.SLOCHECK_TIMEOUT || '2s';

// regionScenario is one client region's open-model traffic: its share of the
// rate, in journeys (STEPS.length requests each) per second.
function regionScenario(region, share) {
  const journeys = (rate * share) / STEPS.length;
  return {
    executor: 'constant-arrival-rate',
    exec: 'journey',
    rate: Math.max(1, Math.round(journeys * 10)),
    timeUnit: '10s', // k6 rates are integers: per 10 s keeps a tenth of a journey per second
    duration,
    // A journey takes a few round trips; a blackholed region holds a VU for
    // the timeout. k6 drops an iteration that finds no idle VU (slocheck
    // counts it) while it starts another VU, up to maxVUs; starting one takes
    // long on a busy machine, so a second of journeys is started up front.
    preAllocatedVUs: Math.ceil(journeys) + 10,
    maxVUs: Math.ceil(journeys * 4) + 20,
    tags: { client_region: region },
    env: { SLOCHECK_STEPS: STEPS.join(',') }, // a dropped iteration is this many dropped requests
  };
}

function scenarios() {
  const regions = Object.keys(edges).sort();
  const total = regions.reduce((s, r) => s + (weights[r] || 1), 0);
  const out = {};
  for (const r of regions) {
    out[r] = regionScenario(r, (weights[r] || 1) / total);
  }
  if (__ENV.FAULT_REGION) {
    out.chaos = {
      executor: 'shared-iterations',
      exec: 'chaos',
      vus: 1,
      iterations: 1,
      startTime: __ENV.FAULT_AT || '20s',
      maxDuration: '10m',
    };
  }
  return out;
}

export const options = {
  scenarios: scenarios(),
  thresholds: __ENV.SLOCHECK_HEADER ? {} : {
    'http_req_duration{expected_response:true}': ['p(99)<150'],
    http_req_failed: ['rate<0.05'],
  },
  summaryTrendStats: ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)', 'p(99)', 'count'],
};

// params are a request's tags (client region, step) and timeout.
function params(step, extra) {
  const p = slocheck.params(step, extra);
  p.timeout = p.timeout || timeout;
  return p;
}

function json(step, extra) {
  const p = params(step, extra);
  p.headers = { 'Content-Type': 'application/json' };
  return p;
}

// journey is one shopper: browse, look at a product, add it to the cart,
// check out. The order the shop acknowledges is recorded for the read-back.
export function journey() {
  const base = slocheck.edge();
  const product = 'p-' + String(1 + Math.floor(Math.random() * PRODUCTS)).padStart(3, '0');
  const items = JSON.stringify({ items: [{ product_id: product, quantity: 1 }] });
  http.get(`${base}/catalog`, params('browse'));
  http.get(`${base}/products/${product}`, params('product', { name: `${base}/products/{id}` }));
  http.post(`${base}/cart`, items, json('cart'));
  const res = http.post(`${base}/checkout`, items, json('checkout'));
  if (check(res, { 'order acknowledged': (r) => r.status === 201 })) {
    slocheck.recordWrite(res.json());
  }
}

// chaos injects FAULT_MODE into FAULT_REGION for FAULT_FOR, then heals it:
// for runs without slocheck's own fault schedule.
export function chaos() {
  const f = slocheck.inject({ region: __ENV.FAULT_REGION, mode: __ENV.FAULT_MODE || 'down' });
  console.log(`injected ${f.name} at ${f.injected}`);
  sleep(parseDuration(__ENV.FAULT_FOR || '20s'));
  slocheck.heal(f.name);
}

function parseDuration(d) {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)$/.exec(d);
  if (!m) throw new Error(`FAULT_FOR: want a duration like 20s, got ${d}`);
  return Number(m[1]) * { ms: 0.001, s: 1, m: 60 }[m[2]];
}
