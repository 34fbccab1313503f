import { timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';

/**
 * The local admin token lets the `ferry` command on the machine that runs the server act while the
 * embedded database is held by `ferry start`. Whoever can read the token file (0600, in the 0700
 * data folder) could open the database files directly, so it grants nothing new; it is refused
 * from any address but the loopback, and it acts for one organization per request, the one named
 * in the Ferry-Organization header: it never reads or writes across organizations.
 */
export const LOCAL_ORG_HEADER = 'ferry-organization';

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

export function isLoopback(request: FastifyRequest): boolean {
  return LOOPBACK.has(request.socket.remoteAddress ?? '');
}

export function isLocalAdminToken(presented: string, token: string | undefined): boolean {
  if (token === undefined) return false;
  const a = Buffer.from(presented);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}
