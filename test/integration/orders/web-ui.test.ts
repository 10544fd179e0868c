// The Temporal Web UI as a person opens it: a dev server with its UI decoding through Baton's /codec,
// a finished order and a failed one, each page loaded in headless Chromium. The page must show the
// order's summary, its details, where it stands (current details) and what each call did; a
// screenshot of each is kept in .data/screenshots/ for people to look at.
import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orderSummary, orderWorkflow, type OrderRequest } from '../../../contracts';
import { BATON_SEARCH_ATTRIBUTES } from '../../../contracts/search-attributes';
import { freePort } from '../../../dev/ports';
import { startSampleServices, type RunningSampleServices } from '../../../dev/services';
import { startDevServer, type DevServer } from '../../../dev/temporal/dev-server';
import { startTestApi, uniqueTaskQueue, type TestApi } from '../../support/api';
import { launchChromium } from '../../support/browser';
import { untilOrder, place, plannedOrder, sleep, startWorkerProcess } from '../../support/chaos';
import { FAST_TIMINGS } from '../../support/orders';
import { repoRoot, type ChildHandle } from '../../support/processes';

const SCREENSHOTS = join(repoRoot, '.data', 'screenshots');
const taskQueue = uniqueTaskQueue('web-ui');

let temporal: DevServer;
let services: RunningSampleServices;
let worker: ChildHandle;
let api: TestApi;
let browser: Browser;
let uiUrl: string;

const card = plannedOrder('webui', 0, 'completes').request;
const declined = plannedOrder('webui', 1, 'declined').request;

/** What the functions run inside the page use (the tests compile without the DOM's types). */
interface InPage {
  document: { body: { innerText: string } | null };
}

/** Opens the run's page (its timeline first). */
async function openRun(order: OrderRequest): Promise<Page> {
  const page = await browser.newPage();
  const workflowId = orderWorkflow.workflowId(order.orderId);
  await page.goto(`${uiUrl}/namespaces/default/workflows/${encodeURIComponent(workflowId)}`, { waitUntil: 'networkidle2', timeout: 60_000 });
  return page;
}

/** The text of the page and of its frames (the UI renders markdown, the details, in sandboxed iframes). */
async function pageText(page: Page): Promise<string> {
  const texts = await Promise.all(
    page.frames().map((frame) => frame.evaluate(() => (globalThis as unknown as InPage).document.body?.innerText ?? '').catch(() => '')),
  );
  return texts.join('\n');
}

/** Waits until every text is on the page (decoded through the codec); on failure, says what the page showed instead. */
async function expectShown(page: Page, name: string, texts: string[]): Promise<void> {
  let shown = '';
  for (const deadline = Date.now() + 60_000; Date.now() < deadline; await sleep(250)) {
    shown = await pageText(page);
    if (texts.every((t) => shown.includes(t))) return;
  }
  await page.screenshot({ path: join(SCREENSHOTS, `${name}-failed.png`), fullPage: true });
  const missing = texts.filter((t) => !shown.includes(t));
  throw new Error(`the Web UI page (${name}) never showed ${JSON.stringify(missing)}; it showed:\n${shown.slice(0, 3000)}`);
}

/** The run page's "User Metadata" tab: the summary, details and current details. */
async function openUserMetadata(page: Page): Promise<void> {
  await page.locator('::-p-text(User Metadata)').click();
}

async function screenshot(page: Page, name: string): Promise<number> {
  const path = join(SCREENSHOTS, name);
  await page.screenshot({ path, fullPage: true });
  return (await stat(path)).size;
}

beforeAll(async () => {
  await mkdir(SCREENSHOTS, { recursive: true });
  const [apiPort, uiPort] = [await freePort(), await freePort()];
  uiUrl = `http://127.0.0.1:${uiPort}`;
  temporal = await startDevServer({
    logLevel: 'error',
    searchAttributes: [...BATON_SEARCH_ATTRIBUTES],
    uiPort,
    uiCodecEndpoint: `http://127.0.0.1:${apiPort}/codec`,
  });
  services = await startSampleServices();
  const stack = { address: temporal.address, namespace: temporal.namespace, taskQueue };
  worker = await startWorkerProcess({ ...stack, serviceUrls: services.urls });
  // As `npm start` runs it: /codec open to the local Web UI's origins only.
  api = await startTestApi({
    ...stack,
    port: apiPort,
    config: { orderTimings: FAST_TIMINGS, codec: { corsOrigins: [uiUrl, `http://localhost:${uiPort}`], auth: 'none' } },
  });
  browser = await launchChromium();
  for (const order of [card, declined]) await place(api.call, order);
  await untilOrder(api.call, card.orderId, (s) => s.status === 'completed');
  await untilOrder(api.call, declined.orderId, (s) => s.status === 'failed');
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await api?.stopAll();
  await worker?.stop();
  await services?.close();
  await temporal?.stop();
});

describe('an order in the Temporal Web UI (headless Chromium)', () => {
  it('shows a finished order: what each call did, then its summary, details and where it stands', async () => {
    const page = await openRun(card);
    await expectShown(page, 'web-ui-completed-timeline', [
      'COMPLETED',
      'Pinned',
      card.customerId,
      'authorize 19.99 EUR by card',
      'ship 1 × SKU-CHAOS to Berlin, DE',
    ]);
    expect(await screenshot(page, 'web-ui-order-completed.png')).toBeGreaterThan(20_000);
    await openUserMetadata(page);
    await expectShown(page, 'web-ui-completed-metadata', [orderSummary(card), 'Berlin', 'completed', 'createShipment']);
    expect(await screenshot(page, 'web-ui-order-completed-metadata.png')).toBeGreaterThan(20_000);
  }, 150_000);

  it('shows a failed order with the step it stopped at and why', async () => {
    const page = await openRun(declined);
    await expectShown(page, 'web-ui-failed-timeline', ['authorize 19.99 EUR by card']);
    await openUserMetadata(page);
    await expectShown(page, 'web-ui-failed-metadata', [orderSummary(declined), 'failed', 'authorizePayment: payment_declined']);
    expect(await screenshot(page, 'web-ui-order-failed-metadata.png')).toBeGreaterThan(20_000);
  }, 150_000);
});
