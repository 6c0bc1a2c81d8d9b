// A feed service: the primary forks NODE_WORKERS workers; each keeps posts in memory and renders
// per-user feeds as JSON, caching them.
import cluster from 'node:cluster';
import http from 'node:http';

const port = Number(process.argv[2]);
if (cluster.isPrimary) {
  for (let i = 0; i < Number(process.env.NODE_WORKERS ?? 4); i++) cluster.fork();
} else {
  let seed = 12345 + cluster.worker.id;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const words = ['alpha', 'bravo', 'delta', 'echo', 'kilo', 'lima', 'oscar', 'tango', 'zulu'];
  const posts = Array.from({ length: 20000 }, (_, id) => ({
    id,
    author: Math.floor(rnd() * 3000),
    text: Array.from({ length: 12 }, () => words[Math.floor(rnd() * words.length)]).join(' '),
    likes: Math.floor(rnd() * 1000),
  }));
  const cache = new Map();
  http.createServer((req, res) => {
    const user = Number(new URL(req.url, 'http://x').searchParams.get('user')) + Math.floor(rnd() * 400);
    let body = cache.get(user);
    if (!body) {
      body = JSON.stringify(posts.filter((p) => p.author % 400 === user % 400).slice(0, 50));
      cache.set(user, body);
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(body);
  }).listen(port, '127.0.0.1');
}
