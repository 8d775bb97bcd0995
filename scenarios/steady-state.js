// Steady-state gate for k6: the release gate's traffic without a fault.
//
// The same open-model shopping traffic as failover.js (one constant-arrival-
// rate scenario per client region, tags for client region and step, acked
// orders recorded), held steady, and judged strictly: it is what a release
// pipeline runs before (or instead of) a failover drill. Under slocheck the
// verdict is slocheck's (p99 < 150 ms with its confidence interval, 99.99 %
// availability decided by a Wilson interval); under plain k6 the thresholds
// below give the same gate without the intervals, and abort the run early
// when failures pile up. Under `slocheck run` (which sets SLOCHECK_HEADER)
// the script declares none, so that slocheck's objectives alone decide.
//
//   slocheck run --engine k6 --script scenarios/steady-state.js --scenario release-gate
//   bin/k6 run -e SLOCHECK_EDGES='{"us":"https://shop.example"}' scenarios/steady-state.js
import http from 'k6/http';
import { check } from 'k6';
import slocheck from 'k6/x/slocheck';

const STEPS = ['browse', 'product', 'cart', 'checkout'];
const PRODUCTS = 20;

const edges = JSON.parse(__ENV.SLOCHECK_EDGES || '{"us": "http://127.0.0.1:8081", "eu": "http://127.0.0.1:8082"}');
const weights = JSON.parse(__ENV.SLOCHECK_WEIGHTS || '{}');
const rate = Number(__ENV.SLOCHECK_RATE || 1000);
const duration = __ENV.SLOCHECK_DURATION || '60s';
const timeout = __ENV.SLOCHECK_TIMEOUT || '2s';

function scenarios() {
  const regions = Object.keys(edges).sort();
  const total = regions.reduce((s, r) => s + (weights[r] || 1), 0);
  const out = {};
  for (const r of regions) {
    const journeys = (rate * (weights[r] || 1)) / total / STEPS.length;
    out[r] = {
      executor: 'constant-arrival-rate',
      exec: 'journey',
      rate: Math.max(1, Math.round(journeys * 10)),
      timeUnit: '10s',
      duration,
      preAllocatedVUs: Math.ceil(journeys) + 10,
      maxVUs: Math.ceil(journeys * 4) + 20,
      tags: { client_region: r },
      env: { SLOCHECK_STEPS: STEPS.join(',') },
    };
  }
  return out;
}

export const options = {
  scenarios: scenarios(),
  thresholds: __ENV.SLOCHECK_HEADER ? {} : {
    'http_req_duration{expected_response:true}': ['p(99)<150'],
    // 99.99 % availability; abort once 1 % of requests failed (after 10 s).
    http_req_failed: ['rate<0.0001', { threshold: 'rate<0.01', abortOnFail: true, delayAbortEval: '10s' }],
    dropped_iterations: ['count<1'],
  },
  summaryTrendStats: ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)', 'p(99)', 'count'],
};

function params(step, extra) {
  const p = slocheck.params(step, extra);
  p.timeout = p.timeout || timeout;
  return p;
}

export function journey() {
  const base = slocheck.edge();
  const product = 'p-' + String(1 + Math.floor(Math.random() * PRODUCTS)).padStart(3, '0');
  const items = JSON.stringify({ items: [{ product_id: product, quantity: 1 }] });
  const post = params('cart');
  post.headers = { 'Content-Type': 'application/json' };
  http.get(`${base}/catalog`, params('browse'));
  http.get(`${base}/products/${product}`, params('product', { name: `${base}/products/{id}` }));
  http.post(`${base}/cart`, items, post);
  const checkout = params('checkout');
  checkout.headers = post.headers;
  const res = http.post(`${base}/checkout`, items, checkout);
  if (check(res, { 'order acknowledged': (r) => r.status === 201 })) {
    slocheck.recordWrite(res.json());
  }
}
