// BullMQ measured the way orion-bench measures Orion (bench/README.md, "The figures"), against a
// Redis server the caller started (bench/compare.py starts it with appendfsync always):
//
//   node bullmq_bench.mjs --port 6390 [--quick] [--only roundtrip,chain,throughput]
//
// Prints one `name value unit` line per figure on stdout, under orion-bench's names, progress on
// stderr. Workers run in processes of their own (`node bullmq_bench.mjs worker ...`), as Orion's
// agents do, each one queue's no-op handler returning its input.

import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { FlowProducer, Queue, QueueEvents, Worker } from 'bullmq';

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback;
};
const port = Number(opt('port', '6379'));
const connection = { host: '127.0.0.1', port, maxRetriesPerRequest: null };
const progress = (line) => process.stderr.write(`bullmq: ${line}\n`);

if (args[0] === 'worker') {
  const worker = new Worker(opt('queue', 'echo'), async (job) => job.data, {
    connection,
    concurrency: Number(opt('concurrency', '1')),
  });
  await worker.waitUntilReady();
  process.stdout.write('ready\n');
  const stop = async () => {
    await worker.close();
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
} else {
  await main();
}

function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));  // nearest rank, as orion-bench
  return sorted[rank - 1];
}

function print(name, value, unit) {
  process.stdout.write(`${name} ${value.toFixed(3)} ${unit}\n`);
}

// Starts `count` worker processes on `queue` and resolves once each has said it is ready.
async function startWorkers(queue, count, concurrency) {
  const self = fileURLToPath(import.meta.url);
  const procs = [];
  await Promise.all(
    Array.from({ length: count }, () =>
      new Promise((resolve, reject) => {
        const p = spawn(process.execPath, [self, 'worker', '--port', String(port), '--queue', queue,
          '--concurrency', String(concurrency)], { stdio: ['ignore', 'pipe', 'inherit'] });
        procs.push(p);
        p.once('error', reject);
        p.once('exit', (code) => reject(new Error(`a worker exited with ${code} before it was ready`)));
        p.stdout.once('data', () => resolve());
      })),
  );
  return async () => {
    await Promise.all(procs.map((p) => new Promise((resolve) => {
      if (p.exitCode !== null) return resolve();
      p.removeAllListeners('exit');
      p.once('exit', resolve);
      p.kill('SIGTERM');
    })));
  };
}

// A fresh queue (its own name, so runs never see each other's jobs), its events and workers.
async function withQueue(label, workers, concurrency, body) {
  const name = `${label}-${process.pid}-${Date.now()}`;
  const queue = new Queue(name, { connection, streams: { events: { maxLen: 200000 } } });
  const events = new QueueEvents(name, { connection });
  await Promise.all([queue.waitUntilReady(), events.waitUntilReady()]);
  const stopWorkers = await startWorkers(name, workers, concurrency);
  try {
    return await body(queue, events, name);
  } finally {
    await stopWorkers();
    await events.close();
    await queue.obliterate({ force: true });
    await queue.close();
  }
}

// roundtrip_p50_ms, roundtrip_p99_ms: one task at a time, 1 worker of concurrency 4.
async function roundtrip(quick) {
  const n = quick ? 100 : 1000, warmup = quick ? 10 : 50;
  progress(`roundtrip: 1 worker, ${n} add+waitUntilFinished (plus ${warmup} warm-up)`);
  await withQueue('roundtrip', 1, 4, async (queue, events) => {
    const ms = [];
    for (let i = 0; i < warmup + n; ++i) {
      const t0 = process.hrtime.bigint();
      const job = await queue.add('echo', { i });
      await job.waitUntilFinished(events, 30000);
      const took = Number(process.hrtime.bigint() - t0) / 1e6;
      if (i >= warmup) ms.push(took);
    }
    print('roundtrip_p50_ms', percentile(ms, 50), 'ms');
    print('roundtrip_p99_ms', percentile(ms, 99), 'ms');
  });
}

// chain200_per_link_ms: 200 jobs each run after the one before, sent as one flow (BullMQ's
// dependencies: a parent runs once its child is done, so the chain is a flow nested 200 deep),
// from the add until the last link is done, over 200. Median of 3 chains.
async function chain(quick) {
  const links = quick ? 20 : 200, chains = 3;
  progress(`chain: 1 worker, ${chains} chains of ${links} dependent jobs, each one flow`);
  await withQueue('chain', 1, 4, async (queue, events, name) => {
    const flows = new FlowProducer({ connection });
    try {
      const perLink = [];
      for (let c = 0; c < chains; ++c) {
        let node = { name: 'echo', queueName: name, data: { i: 0 } };
        for (let i = 1; i < links; ++i) node = { name: 'echo', queueName: name, data: { i }, children: [node] };
        const t0 = process.hrtime.bigint();
        const tree = await flows.add(node);
        await tree.job.waitUntilFinished(events, 120000);
        const took = Number(process.hrtime.bigint() - t0) / 1e6;
        progress(`chain ${c + 1}: ${took.toFixed(1)} ms`);
        perLink.push(took / links);
      }
      print('chain200_per_link_ms', percentile(perLink, 50), 'ms');
    } finally {
      await flows.close();
    }
  });
}

// throughput_tasks_per_s: 40,000 no-op jobs; 4 workers of concurrency 16; 8 producers, each
// adding 500 jobs at once (addBulk) and then waiting for all 500, over and over.
async function throughput(quick) {
  const producers = 8, workers = 4, concurrency = 16, window = 500;
  const total = quick ? 4000 : 40000;
  progress(`throughput: ${workers} workers x concurrency ${concurrency}, ${producers} producers, ${total} jobs, ` +
    `addBulk of ${window}, then wait for the window`);
  await withQueue('throughput', workers, concurrency, async (queue, events) => {
    const waiting = new Map();
    events.on('completed', ({ jobId }) => {
      const done = waiting.get(jobId);
      if (done) {
        waiting.delete(jobId);
        done();
      }
    });
    events.on('failed', ({ jobId, failedReason }) => {
      progress(`job ${jobId} failed: ${failedReason}`);
    });
    const finished = (id) => new Promise((resolve) => waiting.set(id, resolve));
    // Warm-up outside the timing: one job end to end.
    const warm = await queue.add('echo', { i: -1 });
    await warm.waitUntilFinished(events, 30000);

    let completed = 0;
    const producer = async (index, count) => {
      for (let done = 0; done < count;) {
        const n = Math.min(window, count - done);
        // The ids are ours, so each job is waited for before it can finish.
        const ids = Array.from({ length: n }, (_, i) => `p${index}-${done + i}`);
        const pending = ids.map(finished);
        await queue.addBulk(ids.map((jobId, i) => ({ name: 'echo', data: { i: index * 1e6 + done + i }, opts: { jobId } })));
        await Promise.all(pending);
        completed += n;
        done += n;
      }
    };
    const t0 = process.hrtime.bigint();
    await Promise.all(Array.from({ length: producers }, (_, p) =>
      producer(p, Math.floor(total / producers) + (p < total % producers ? 1 : 0))));
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    progress(`throughput: ${completed} jobs completed in ${seconds.toFixed(3)} s`);
    print('throughput_tasks_per_s', completed / seconds, 'tasks/s');
  });
}

async function main() {
  const quick = args.includes('--quick');
  const only = opt('only', 'roundtrip,chain,throughput').split(',');
  const groups = { roundtrip, chain, throughput };
  for (const name of only) {
    if (!groups[name]) {
      process.stderr.write(`unknown group '${name}': roundtrip, chain, throughput\n`);
      process.exit(2);
    }
  }
  for (const name of only) await groups[name](quick);
  process.exit(0);
}
