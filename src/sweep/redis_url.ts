/**
 * The Redis a queued sweep runs on (`anneal sweep --queue URL`, `anneal worker --queue URL`): its URL, parsed and
 * checked, the ioredis options every connection of a sweep uses, and a reachability check that answers within a
 * few seconds (ioredis on its own retries a refused connection forever).
 */
import type { RedisOptions } from 'ioredis';

/** A parsed `redis://[[USER]:PASSWORD@]HOST[:PORT][/DB]` (or `rediss://` for TLS). */
export interface RedisUrl {
  /** The URL as given. */
  url: string;
  host: string;
  port: number;
  /** The database number (0 … 15 on a default redis-server). */
  db: number;
  username?: string;
  password?: string;
  tls: boolean;
}

/** A Redis URL that is malformed, or a Redis that cannot be reached. */
export class RedisUrlError extends Error {
  override readonly name: string = 'RedisUrlError';
}

const ALLOWED =
  'expected redis://HOST:PORT/DB (e.g. redis://127.0.0.1:6379/0; PORT defaults to 6379 and DB to 0; ' +
  'redis://:PASSWORD@HOST:PORT/DB with a password, rediss:// for TLS)';

/** Parses a queue URL; a RedisUrlError names what was given and what is allowed. */
export function parseRedisUrl(text: string): RedisUrl {
  const shown = String(text).replace(/^([a-z]+:\/\/[^:/@]*:)[^@/]*@/i, '$1***@'); // no password in messages
  const refuse = (why: string): never => {
    throw new RedisUrlError(`--queue ${JSON.stringify(shown)}: ${why}; ${ALLOWED}`);
  };
  if (typeof text !== 'string' || text.trim() === '') refuse('no URL given');
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    const port = /^rediss?:\/\/(?:[^@/]*@)?(?:\[[^\]]*\]|[^:/]*):(\d+)(?:\/|$)/i.exec(text)?.[1];
    return refuse(port !== undefined && Number(port) > 65535 ? `the port ${port} is not 1 … 65535` : 'not a URL');
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    refuse(`the scheme ${JSON.stringify(url.protocol.replace(/:$/, ''))} is not redis or rediss`);
  }
  if (url.hostname === '') refuse('no host');
  if (url.search !== '' || url.hash !== '') refuse('a query (?…) or fragment (#…) is not allowed');
  let port = 6379;
  if (url.port !== '') {
    port = Number(url.port);
    if (!Number.isInteger(port) || port < 1 || port > 65535) refuse(`the port ${url.port} is not 1 … 65535`);
  }
  let db = 0;
  const path = url.pathname;
  if (path !== '' && path !== '/') {
    const digits = path.slice(1);
    if (!/^\d{1,5}$/.test(digits)) refuse(`the database ${JSON.stringify(digits)} is not a number (0, 1, …)`);
    db = Number(digits);
  }
  const parsed: RedisUrl = {
    url: text,
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port,
    db,
    tls: url.protocol === 'rediss:',
  };
  if (url.username) parsed.username = decodeURIComponent(url.username);
  if (url.password) parsed.password = decodeURIComponent(url.password);
  return parsed;
}

/** The URL with any password hidden, for messages. */
export function describeRedisUrl(url: RedisUrl): string {
  const auth = url.password ? `${url.username ?? ''}:***@` : url.username ? `${url.username}@` : '';
  const host = url.host.includes(':') ? `[${url.host}]` : url.host;
  return `${url.tls ? 'rediss' : 'redis'}://${auth}${host}:${url.port}/${url.db}`;
}

/** How long a connection attempt may take before it counts as failed. */
export const CONNECT_TIMEOUT_MS = 3000;

/**
 * ioredis options for a sweep's long-lived connections (BullMQ's and the sweep's own): bounded connection
 * attempts, and reconnection after a dropped connection, for about a minute before giving up (a coordinator: a
 * Redis restart is survived, a Redis gone for good ends the sweep with an error instead of a hang) or for as
 * long as it takes (`reconnectForever`: a worker waits for its Redis to come back).
 */
export function redisOptions(url: RedisUrl, reconnectForever = false): RedisOptions {
  return {
    host: url.host,
    port: url.port,
    db: url.db,
    ...(url.username ? { username: url.username } : {}),
    ...(url.password ? { password: url.password } : {}),
    ...(url.tls ? { tls: {} } : {}),
    connectTimeout: CONNECT_TIMEOUT_MS,
    // BullMQ's workers require null here (a blocking command must wait for a reconnection, not fail).
    maxRetriesPerRequest: null,
    retryStrategy: (times: number) => (times > 30 && !reconnectForever ? null : Math.min(times * 200, 2000)),
  };
}

/**
 * Connects and PINGs once, without retrying: resolves when Redis answers, else rejects within about
 * `timeoutMs` with a RedisUrlError naming the URL and the reason.
 */
export async function checkRedisReachable(url: RedisUrl, timeoutMs = CONNECT_TIMEOUT_MS): Promise<void> {
  // Loaded here, not on import: the CLI parses --queue without loading a Redis client.
  const { Redis } = await import('ioredis');
  const client = new Redis({
    ...redisOptions(url),
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
    disconnectTimeout: 200,
  });
  let lastError: Error | null = null;
  client.on('error', (err: Error) => {
    lastError = err;
  });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs + 500);
  });
  try {
    await Promise.race([
      (async () => {
        await client.connect();
        const answer = await client.ping();
        if (answer !== 'PONG') throw new Error(`PING answered ${JSON.stringify(answer)}, not PONG`);
      })(),
      timeout,
    ]);
  } catch (err) {
    const reason = reasonOf((lastError as Error | null) ?? (err as Error));
    throw new RedisUrlError(
      `cannot reach Redis at ${describeRedisUrl(url)}: ${reason} (is redis-server running, and reachable from ` +
        'this machine at that host and port?)',
    );
  } finally {
    clearTimeout(timer);
    // (A connection that never opened has ended already: disconnecting it would hold the process 2 s.)
    if (client.status !== 'end') client.disconnect();
  }
}

function reasonOf(err: Error): string {
  const code = (err as { code?: string }).code;
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'unknown host';
  if (code === 'ETIMEDOUT' || /timed? ?out/i.test(err.message)) return 'connection timed out';
  return err.message.replace(/^Error: /, '') || String(err);
}
