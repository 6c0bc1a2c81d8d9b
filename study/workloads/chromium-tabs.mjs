// Opens tabs in a Chromium through its DevTools HTTP endpoint (PUT /json/new?<url>), each with
// its own query string, then waits until each has loaded (the page sets its title).
const [port, tabs, url] = [process.argv[2], Number(process.argv[3]), process.argv[4]];
const base = `http://127.0.0.1:${port}`;
for (let t = 0; t < tabs; t++) {
  const r = await fetch(`${base}/json/new?${url}?tab=${t}`, { method: 'PUT' });
  if (!r.ok) throw new Error(`PUT /json/new: ${r.status}`);
}
const end = Date.now() + 60_000;
for (;;) {
  const list = await (await fetch(`${base}/json/list`)).json();
  const ready = list.filter((p) => p.type === 'page' && p.title.startsWith('ready')).length;
  if (ready >= tabs) break;
  if (Date.now() > end) throw new Error(`only ${ready} of ${tabs} tabs loaded after 60 s`);
  await new Promise((r) => setTimeout(r, 300));
}
