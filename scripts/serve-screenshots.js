// Takes the README's screenshots of `nnt serve` (one per panel) with Debian's chromium:
//   npm run build && node scripts/serve-screenshots.js [out-dir]   (default docs/serve)
// Trains a small run first, in a temporary folder, so the Draw panel has weights to use.
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const { mkdirSync, mkdtempSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join, resolve } = require('node:path');
const { chromium } = require('playwright-core');

const root = resolve(__dirname, '..');
const bin = join(root, 'bin/nnt');
const out = resolve(process.argv[2] ?? join(root, 'docs/serve'));

async function main() {
  mkdirSync(out, { recursive: true });
  const dir = mkdtempSync(join(tmpdir(), 'nnt-shots-'));
  const trained = spawnSync(process.execPath, [bin, 'train', '--limit', '20000', '--epochs', '5', '--out', 'runs/drawn/w.json', '--quiet'], { cwd: dir, stdio: 'inherit' });
  if (trained.status !== 0) throw new Error('training the run for the Draw panel failed');

  const server = spawn(process.execPath, [bin, 'serve', '--limit', '3000', '--epochs', '12', '--out', 'runs/page/w.json'], { cwd: dir });
  const url = await new Promise((ok, fail) => {
    let text = '';
    server.stdout.on('data', (d) => {
      text += d;
      const m = /nnt serve: (\S+)/.exec(text);
      if (m) ok(m[1]);
    });
    server.on('exit', () => fail(new Error(`nnt serve ended: ${text}`)));
  });

  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1000, height: 640 } });
    await page.goto(url);
    await page.waitForSelector('body[data-ready="true"]');

    // Draw: a 7, in two strokes, as a person would.
    const box = await page.locator('#draw').boundingBox();
    const stroke = async (points) => {
      const answer = page.waitForResponse((r) => r.url().endsWith('/api/predict'));
      await page.mouse.move(box.x + points[0][0], box.y + points[0][1]);
      await page.mouse.down();
      for (const [x, y] of points.slice(1)) await page.mouse.move(box.x + x, box.y + y, { steps: 15 });
      await page.mouse.up();
      await answer;
    };
    await stroke([[70, 60], [210, 55], [120, 235]]);
    await stroke([[110, 145], [185, 145]]);
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(out, 'draw.png') });

    // Train: a short run to its end.
    await page.click('#tab-train');
    await page.click('#train-start');
    await page.waitForSelector('#train-status[data-state="finished"]', { timeout: 600_000 });
    await page.waitForTimeout(500);
    await page.screenshot({ path: join(out, 'train.png') });

    // Look inside: the run's first layer and its mistakes.
    await page.click('#tab-inside');
    await page.waitForSelector('#weights[data-units]');
    await page.waitForSelector('#mistakes .mistake');
    await page.screenshot({ path: join(out, 'inside.png') });

    // Explain: the shopping graph halfway through the backward pass.
    await page.click('#tab-explain');
    await page.waitForSelector('#graph svg');
    for (let i = 0; i < 7; i++) await page.click('#step-next');
    await page.waitForSelector('#graph[data-step="7"] svg');
    await page.screenshot({ path: join(out, 'explain.png') });
  } finally {
    await browser.close();
    server.kill('SIGINT');
  }
  console.log(`screenshots in ${out}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
