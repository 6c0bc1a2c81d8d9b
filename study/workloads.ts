/**
 * The study's workloads: which script starts them (study/workloads/<script>.sh), how many
 * instances run side by side (each in its own cgroup, as containers of one image would run), how
 * long the load runs before the snapshot, and the sizes, chosen so that the whole study fits a
 * 2-core, 24 GiB machine in under 30 minutes.
 */
export interface Workload {
  name: string;
  script: string;
  instances: number;
  /** seconds of load before the capture (the load keeps running while instances are captured) */
  loadSeconds: number;
  /** environment for the script (sizes) */
  env: Record<string, string>;
  /** what runs, in words, for the report */
  what: string;
  /** how it is driven, for the report */
  driver: string;
}

export const WORKLOADS: Workload[] = [
  {
    name: 'postgres',
    script: 'postgres',
    instances: 1,
    loadSeconds: 15,
    env: { PG_SCALE: '6', PG_SHARED_BUFFERS: '64MB' },
    what: 'PostgreSQL 15, shared_buffers 64 MB, pgbench scale 6 (600,000 accounts)',
    driver: 'pgbench TPC-B-like, 4 clients',
  },
  {
    name: 'postgres-x3',
    script: 'postgres',
    instances: 3,
    loadSeconds: 15,
    env: { PG_SCALE: '3', PG_SHARED_BUFFERS: '32MB', PG_CLIENTS: '2' },
    what: '3 PostgreSQL 15 clusters side by side, shared_buffers 32 MB each, pgbench scale 3 each',
    driver: 'pgbench TPC-B-like, 2 clients per cluster',
  },
  {
    name: 'redis',
    script: 'redis',
    instances: 1,
    loadSeconds: 15,
    env: { REDIS_KEYS: '80000' },
    what: 'Redis 7, 80,000 user hashes and 80,000 JSON sessions',
    driver: 'redis-cli --pipe to load, then redis-benchmark HINCRBY and GET on those keys, 2 × 4 clients',
  },
  {
    name: 'redis-replica',
    script: 'redis',
    instances: 2,
    loadSeconds: 15,
    env: { REDIS_KEYS: '80000' },
    what: 'Redis 7 primary and one replica (replicaof), the same data set',
    driver: 'as redis, against the primary; the replica follows',
  },
  {
    name: 'nginx-php',
    script: 'nginx-php',
    instances: 1,
    loadSeconds: 12,
    env: { PHP_WORKERS: '4' },
    what: 'nginx 1.22 (2 workers) and a php-fpm 8.2 pool of 4 static children with opcache, a catalogue page',
    driver: 'ab, 8 concurrent keep-alive clients',
  },
  {
    name: 'flask-gunicorn',
    script: 'flask',
    instances: 1,
    loadSeconds: 12,
    env: { GUNICORN_WORKERS: '4' },
    what: 'Flask 2.2 order service under gunicorn 20, 4 sync workers (no --preload), 20,000 orders in memory',
    driver: 'ab, 8 concurrent keep-alive clients',
  },
  {
    name: 'node-cluster',
    script: 'node-cluster',
    instances: 1,
    loadSeconds: 12,
    env: { NODE_WORKERS: '4' },
    what: 'Node.js 20 feed service, cluster module with 4 workers, 20,000 posts in memory per worker',
    driver: 'ab, 8 concurrent keep-alive clients',
  },
  {
    name: 'jvm',
    script: 'jvm',
    instances: 1,
    loadSeconds: 12,
    env: { JVM_HEAP: '96m' },
    what: 'OpenJDK 17 catalogue service (com.sun.net.httpserver), 120,000 items, heap 96 MB, serial GC',
    driver: 'ab, 4 concurrent keep-alive clients',
  },
  {
    name: 'jvm-x3',
    script: 'jvm',
    instances: 3,
    loadSeconds: 12,
    env: { JVM_HEAP: '64m' },
    what: '3 JVMs of the same service and classes side by side, heap 64 MB each',
    driver: 'ab, 4 concurrent keep-alive clients per JVM',
  },
  {
    name: 'chromium',
    script: 'chromium',
    instances: 1,
    loadSeconds: 8,
    env: { CHROMIUM_TABS: '3' },
    what: 'headless Chromium, 3 tabs of a dashboard page (3,000-row DOM table, 30,000 JS objects, a canvas)',
    driver: 'tabs opened through the DevTools endpoint; the pages redraw every second',
  },
  {
    name: 'gcc',
    script: 'gcc',
    instances: 1,
    loadSeconds: 10,
    env: { GCC_JOBS: '2' },
    what: 'gcc 12 -O2 -g building libzstd 1.5 with make -j2 (captured mid-build)',
    driver: 'the build itself',
  },
  {
    name: 'mariadb',
    script: 'mariadb',
    instances: 1,
    loadSeconds: 12,
    env: { MARIADB_ROWS: '200000', MARIADB_POOL: '96M' },
    what: 'MariaDB 10.11, InnoDB buffer pool 96 MB, an orders table of 200,000 rows',
    driver: 'mariadb-slap, 4 clients: point reads, a range aggregate, updates',
  },
  {
    name: 'pandas',
    script: 'pandas',
    instances: 1,
    loadSeconds: 3,
    env: { PANDAS_ROWS: '300000' },
    what: 'Python 3.11 data job: numpy 1.24 and pandas 1.5, 300,000 sales rows joined, grouped, pivoted',
    driver: 'the job itself; captured holding its results',
  },
  {
    name: 'pandas-x3',
    script: 'pandas',
    instances: 3,
    loadSeconds: 3,
    env: { PANDAS_ROWS: '150000' },
    what: '3 shards of the same data job (different data), 150,000 rows each',
    driver: 'the job itself',
  },
];

export function findWorkload(name: string): Workload {
  const w = WORKLOADS.find((x) => x.name === name);
  if (!w) throw new Error(`no workload '${name}' (known: ${WORKLOADS.map((x) => x.name).join(', ')})`);
  return w;
}
