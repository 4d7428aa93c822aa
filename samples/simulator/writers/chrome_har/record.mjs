// Record a HAR with sitespeed.io's chrome-har from the CDP events of a puppeteer-core session on Debian's Chromium.
//
//   node record.mjs '<plan JSON>'        (or the plan on stdin)
//
// The plan (written by ../chrome_har.py): {url, output, browser_path, args, duration, reload_after, cookies,
// local_storage_before_reload, ignore_certificate_errors, navigation_timeout, wait_until}; times in seconds
// from the start of the first load. stdout gets one JSON object a line: {"mark": "browser", "version"},
// {"mark": "started"|"reload"|"ended", "time"} (wall clock, s), {"console": {time, type, text}}, and at the end
// {"mark": "written", "entries", "pages"}. The HAR is `harFromMessages(events)` as chrome-har builds it, with
// chrome-har's defaults (no response bodies), which is what Browsertime/sitespeed.io users get.

import { writeFileSync } from "node:fs";
import { harFromMessages } from "chrome-har";
import puppeteer from "puppeteer-core";

// The events chrome-har reads (its README and harFromMessages' switch): Page.* for pages, Network.* for entries.
const EVENTS = [
  "Page.frameStartedLoading",
  "Page.frameRequestedNavigation",
  "Page.navigatedWithinDocument",
  "Page.frameAttached",
  "Page.loadEventFired",
  "Page.domContentEventFired",
  "Network.requestWillBeSent",
  "Network.requestWillBeSentExtraInfo",
  "Network.requestServedFromCache",
  "Network.responseReceived",
  "Network.responseReceivedExtraInfo",
  "Network.dataReceived",
  "Network.loadingFinished",
  "Network.loadingFailed",
  "Network.resourceChangedPriority",
];

const emit = (object) => process.stdout.write(`${JSON.stringify(object)}\n`);
const now = () => Date.now() / 1000;
const sleep = (seconds) => new Promise((done) => setTimeout(done, Math.max(seconds, 0) * 1000));

async function readPlan() {
  if (process.argv.length > 2) return JSON.parse(process.argv[2]);
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return JSON.parse(Buffer.concat(chunks).toString("utf8"));
}

async function drive(plan, browser, events) {
  const page = await browser.newPage();
  const session = await page.createCDPSession();
  let isRecording = true;
  for (const method of EVENTS) {
    session.on(method, (params) => {
      if (isRecording) events.push({ method, params });
    });
  }
  await session.send("Page.enable");
  await session.send("Network.enable");
  page.on("console", (message) => emit({ console: { time: now(), type: message.type(), text: message.text() } }));
  if (plan.cookies.length > 0) {
    const domain = new URL(plan.url).hostname;
    await browser.setCookie(...plan.cookies.map(([name, value]) => ({ name, value, domain, path: "/" })));
  }
  const navigation = { waitUntil: plan.wait_until, timeout: plan.navigation_timeout * 1000 };
  const clock = performance.now() / 1000;
  emit({ mark: "started", time: now() });
  await page.goto(plan.url, navigation);
  const reloads = [...plan.reload_after].sort((a, b) => a - b);
  for (const [number, at] of reloads.entries()) {
    await sleep(clock + at - performance.now() / 1000);
    if (number === 0) {
      for (const [name, value] of plan.local_storage_before_reload) {
        await page.evaluate(([k, v]) => localStorage.setItem(k, v), [name, value]);
      }
    }
    emit({ mark: "reload", time: now() });
    await page.reload(navigation);
  }
  await sleep(clock + plan.duration - performance.now() / 1000);
  // What was still open stays unfinished: chrome-har sees only the events up to here.
  isRecording = false;
  emit({ mark: "ended", time: now() });
}

async function main() {
  const plan = await readPlan();
  const browser = await puppeteer.launch({
    executablePath: plan.browser_path,
    headless: true,
    args: plan.args,
    acceptInsecureCerts: plan.ignore_certificate_errors,
  });
  const events = [];
  try {
    emit({ mark: "browser", version: (await browser.version()).replace(/^[^/]*\//, "") });
    await drive(plan, browser, events);
  } finally {
    await browser.close();
  }
  const har = harFromMessages(events, {});
  writeFileSync(plan.output, `${JSON.stringify(har, null, 1)}\n`, "utf8");
  emit({ mark: "written", entries: har.log.entries.length, pages: har.log.pages.length });
}

main().catch((error) => {
  process.stderr.write(`${error && error.stack ? error.stack : error}\n`);
  process.exit(1);
});
