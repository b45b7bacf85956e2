/// <reference lib="dom" />
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { serve, type Served } from './serve-helpers';

// The page end to end in a real browser: Debian's chromium (.ci/run installs it), driven by
// playwright-core, against the built `nnt serve` on a free port.
jest.setTimeout(300_000);

const dir = mkdtempSync(join(tmpdir(), 'nnt-serve-page-'));
let server: Served;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  // A small trained run for the Draw panel to find (the newest weights under runs/).
  const trained = spawnSync(process.execPath, [join(__dirname, '../bin/nnt'), 'train', '--limit', '2000', '--epochs', '3', '--out', 'runs/drawn/w.json', '--quiet'], { cwd: dir, encoding: 'utf8' });
  expect(trained.status).toBe(0);
  // A run far too long to finish during the test: it is stopped from the page.
  server = await serve(dir, '--limit', '300', '--epochs', '100000', '--out', 'runs/page/w.json', '--backend', 'ts');
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox'] });
  page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  page.setDefaultTimeout(300_000); // a hang guard only: a loaded machine may be slow
  await page.goto(server.url);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 300_000 });
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

async function stroke(points: [number, number][]): Promise<{ probabilities: number[]; top: number }> {
  const box = (await page.locator('#draw').boundingBox())!;
  const response = page.waitForResponse((r) => r.url().endsWith('/api/predict'));
  await page.mouse.move(box.x + points[0][0], box.y + points[0][1]);
  await page.mouse.down();
  for (const [x, y] of points.slice(1)) await page.mouse.move(box.x + x, box.y + y, { steps: 12 });
  await page.mouse.up();
  expect((await response).status()).toBe(200);
  await page.waitForFunction(() => document.querySelectorAll('#bars .bar').length === 10);
  const probabilities = await page.$$eval('#bars .bar', (bars) => bars.map((b) => Number((b as HTMLElement).dataset.p)));
  const top = Number(await page.getAttribute('#top', 'data-top'));
  return { probabilities, top };
}

test('Draw: a 1 and a 7 drawn with the mouse get probabilities that sum to 1 and a top class', async () => {
  expect(await page.textContent('#source')).toContain(join('runs', 'drawn', 'w.json'));
  for (const shape of [
    [[140, 40], [140, 240]], // a 1
    [[60, 50], [220, 50], [110, 240]], // a 7
  ] as [number, number][][]) {
    await page.click('#clear');
    const { probabilities, top } = await stroke(shape);
    expect(probabilities).toHaveLength(10);
    expect(probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
    expect(top).toBe(probabilities.indexOf(Math.max(...probabilities)));
    // The 28×28 the net saw has ink in it.
    const ink = await page.evaluate(() => {
      const data = (document.getElementById('seen') as HTMLCanvasElement).getContext('2d')!.getImageData(0, 0, 28, 28).data;
      let n = 0;
      for (let i = 0; i < data.length; i += 4) if (data[i] > 0) n++;
      return n;
    });
    expect(ink).toBeGreaterThan(10);
  }
});

test('Train: start, the chart gains points, stop writes the checkpoint, resume goes on', async () => {
  await page.click('#tab-train');
  await page.click('#train-start');
  const points = () => page.$eval('#chart-batch', (el) => Number((el as HTMLElement).dataset.points));
  await page.waitForFunction(() => Number(document.getElementById('chart-batch')!.dataset.points) > 3, undefined, { timeout: 300_000 });
  const before = await points();
  await page.waitForFunction((n) => Number(document.getElementById('chart-batch')!.dataset.points) > n, before, { timeout: 300_000 });

  // A second start while one runs is refused with a message.
  const second = await page.evaluate(async () => {
    const r = await fetch('/api/train/start', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
    return { status: r.status, body: (await r.json()) as { error: string } };
  });
  expect(second.status).toBe(409);
  expect(second.body.error).toMatch(/already/);

  await page.click('#train-stop');
  await page.waitForSelector('#train-status[data-state="stopped"]', { timeout: 300_000 });
  expect(await page.textContent('#train-status')).toMatch(/checkpoint saved to runs\/page\/w\.checkpoint\.json/);
  const checkpoint = join(dir, 'runs', 'page', 'w.checkpoint.json');
  expect(existsSync(checkpoint)).toBe(true);
  expect(JSON.parse(readFileSync(checkpoint, 'utf8')).checkpoint).toBeDefined();

  // Resumed, the run trains past the checkpoint's step, and the chart shows it.
  const stoppedAt = JSON.parse(readFileSync(checkpoint, 'utf8')).checkpoint.step as number;
  expect(stoppedAt).toBeGreaterThan(0);
  await page.click('#train-resume');
  await page.waitForFunction((n) => Number(document.getElementById('chart-batch')!.dataset.lastStep) > n, stoppedAt, { timeout: 300_000 });
  await page.waitForSelector('#train-status[data-state="running"]');
  await page.click('#train-stop');
  await page.waitForSelector('#train-status[data-state="stopped"]', { timeout: 300_000 });
});

test('Look inside: the first layer as images, and the test digits the net gets wrong', async () => {
  await page.click('#tab-inside');
  await page.waitForSelector('#weights[data-units="50"]', { timeout: 300_000 });
  await page.waitForFunction(() => document.getElementById('mistakes-note')!.textContent !== '', undefined, { timeout: 300_000 });
  const captions = await page.$$eval('#mistakes .mistake span', (s) => s.map((e) => e.textContent!));
  for (const c of captions) {
    const [label, predicted] = c.split(' → ').map(Number);
    expect(label).not.toBe(predicted);
  }
});

test('Explain: the shopping graph as SVG, stepped from its inputs to the last backward node', async () => {
  await page.click('#tab-explain');
  await page.waitForSelector('#graph svg', { timeout: 300_000 });
  const first = await page.textContent('#graph svg');
  expect(first).not.toContain('2.2'); // no gradient yet at the first step
  await page.click('#step-next');
  await page.waitForSelector('#graph[data-step="1"] svg');
  await page.click('#step-last');
  await page.waitForFunction(() => document.getElementById('step-note')!.textContent!.startsWith('step 10/10'));
  const svg = await page.textContent('#graph svg');
  for (const name of ['apple', 'apple_num', 'orange', 'orange_num', 'tax', 'price']) expect(svg).toContain(name);
  expect(svg).toContain('715');
  expect(svg).toContain('2.2');
});
